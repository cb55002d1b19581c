-- Loaded at startup: the user commands work with the defaults before (or without) setup().
-- The language server starts only from require('pacto').setup{} (or vim.lsp.enable('pacto') on 0.11).
if vim.g.loaded_pacto then
  return
end
vim.g.loaded_pacto = true
require('pacto.filetype').add()
require('pacto.commands').create()
