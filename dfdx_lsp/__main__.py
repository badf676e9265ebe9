from dfdx_lsp.server import main

main()
