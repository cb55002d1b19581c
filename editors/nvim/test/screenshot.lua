-- Init file for the tmux screenshot (pacto-cli/tests/neovim.rs, neovim_tmux_screenshot):
--   PACTO_NVIM_PLUGIN=editors/nvim PACTO_NVIM_PACTO=/path/to/pacto PACTO_NVIM_READY=/tmp/ready \
--   nvim --headless --listen SOCK -u editors/nvim/test/screenshot.lua -i NONE -n pacto.yaml
-- and, inside tmux, `nvim --remote-ui --server SOCK` (the TUI of the trixie build cannot re-exec
-- itself through the loader wrapper, so the UI attaches to a headless server instead).
-- Loads the plugin from the repository with a fixed look and, once the language server's
-- diagnostics arrived and the UI attached, puts the cursor on the last one, opens its float and writes PACTO_NVIM_READY.
vim.opt.runtimepath:prepend(os.getenv('PACTO_NVIM_PLUGIN'))
vim.cmd('filetype on')
vim.cmd('runtime! plugin/pacto.lua')
vim.opt.number = true
vim.opt.signcolumn = 'yes'
vim.opt.laststatus = 2
vim.opt.ruler = false
vim.opt.showcmd = false
vim.opt.shortmess:append('IF')
vim.diagnostic.config({
  virtual_text = { prefix = '●', spacing = 2 },
  signs = true,
  underline = true,
  severity_sort = true,
  update_in_insert = false,
})
require('pacto').setup({ cmd = { os.getenv('PACTO_NVIM_PACTO'), 'lsp' } })

local want = tonumber(os.getenv('PACTO_NVIM_MIN_DIAGNOSTICS') or '1')
local ready = os.getenv('PACTO_NVIM_READY')
local done = false
-- Once a UI is attached (so the screen has its final size) and the diagnostics arrived.
local function maybe_ready()
  local buf = vim.api.nvim_get_current_buf()
  if done or #vim.api.nvim_list_uis() == 0 or #vim.diagnostic.get(buf) < want then
    return
  end
  done = true
  vim.schedule(function()
    local diags = vim.diagnostic.get(buf)
    table.sort(diags, function(a, b)
      return a.lnum < b.lnum
    end)
    local last = diags[#diags]
    vim.api.nvim_win_set_cursor(0, { last.lnum + 1, last.col })
    vim.diagnostic.open_float({ scope = 'cursor', border = 'rounded', source = true, close_events = {} })
    vim.cmd('redraw!')
    vim.fn.writefile({ tostring(#diags) }, ready)
  end)
end
vim.api.nvim_create_autocmd({ 'DiagnosticChanged', 'UIEnter', 'VimResized' }, { callback = maybe_ready })
