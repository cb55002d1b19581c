-- :checkhealth pacto
local M = {}

local h = vim.health
local start = h.start or h.report_start
local ok = h.ok or h.report_ok
local warn = h.warn or h.report_warn
local report_error = h.error or h.report_error
local info = h.info or h.report_info

function M.check()
  start('pacto')
  if vim.fn.has('nvim-0.9') == 1 then
    ok('Neovim ' .. tostring(vim.version()))
  else
    report_error('Neovim 0.9 or newer is required', { 'Upgrade Neovim' })
  end

  local pacto = require('pacto')
  local cmd = pacto.server_cmd()
  local exe = cmd[1]
  if vim.fn.executable(exe) ~= 1 then
    report_error(('`%s` not found'):format(exe), {
      'Install pacto and put it on PATH',
      "or point the plugin at it: require('pacto').setup{ cmd = { '/path/to/pacto', 'lsp' } }",
    })
    return
  end
  ok(('binary: %s'):format(vim.fn.exepath(exe)))

  local out = vim.fn.system({ exe, '--version' })
  if vim.v.shell_error ~= 0 then
    report_error(('`%s --version` failed: %s'):format(exe, vim.trim(out)))
  else
    ok(('version: %s'):format(vim.trim(out)))
  end
  info(('server command: %s'):format(table.concat(cmd, ' ')))

  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  local clients = get({ name = 'pacto' })
  if #clients == 0 then
    warn('no pacto language server running (open a pacto.yaml after setup())')
  end
  for _, c in ipairs(clients) do
    local server = c.name
    if c.server_info and c.server_info.name then
      server = c.server_info.name .. ' ' .. (c.server_info.version or '')
    end
    ok(('client %d: %s, root %s, position encoding %s'):format(
      c.id,
      vim.trim(server),
      c.config.root_dir or '?',
      c.offset_encoding or '?'
    ))
  end
end

return M
