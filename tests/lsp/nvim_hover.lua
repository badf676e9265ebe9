-- Neovim's built-in LSP client against dfdx-lsp, headless (tests/lsp/test_lsp_neovim.py):
-- open $DFDX_FILE, wait for the server's diagnostics, hover at $DFDX_LINE:$DFDX_COL (0-based)
-- and write the diagnostics' codes and the hover's text to $DFDX_OUT. Works with Neovim 0.7+.
local file, out = os.getenv("DFDX_FILE"), os.getenv("DFDX_OUT")
local line, col = tonumber(os.getenv("DFDX_LINE")), tonumber(os.getenv("DFDX_COL"))
vim.cmd("edit " .. file)
local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = "dfdx-lsp",
  cmd = { os.getenv("DFDX_PYTHON"), "-m", "dfdx_lsp" },
  root_dir = vim.fn.fnamemodify(file, ":p:h"),
})
vim.lsp.buf_attach_client(bufnr, client_id)

local lines = {}
local checked = vim.wait(150000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
table.insert(lines, "checked: " .. tostring(checked))
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  table.insert(lines, string.format("diagnostic %d:%d %s", d.lnum, d.col, tostring(d.code)))
end
local params = {
  textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  position = { line = line, character = col },
}
local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/hover", params, 60000) or {}
for _, response in pairs(responses) do
  if response.result then
    table.insert(lines, "hover:")
    for _, text in ipairs(vim.split(response.result.contents.value, "\n")) do
      table.insert(lines, text)
    end
  end
end
vim.fn.writefile(lines, out)
vim.lsp.stop_client(client_id)
vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
vim.cmd("qa!")
