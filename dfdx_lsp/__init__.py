"""``dfdx-lsp``: a language server for dfdx, mypy with ``dfdx_mypy_plugin`` behind diagnostics,
hover and inlay hints (docs/editors.md). ``import dfdx`` never imports it."""
