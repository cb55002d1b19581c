-- Headless Neovim driver for the "Migrate to Pacto 2.0" code action (run by
-- pacto-cli/tests/neovim.rs): opens the 1.x contract named by $PACTO_NVIM_SPEC, asks the real
-- LSP client for refactor.rewrite actions, applies the migrate action's workspace edit and runs
-- its command (which shows the report as a message), then writes the buffer and reports what it
-- saw as JSON to spec.out. It never asserts: the Rust test does. Every wait is bounded.
local spec = vim.json.decode(table.concat(vim.fn.readfile(assert(os.getenv('PACTO_NVIM_SPEC'))), '\n'))
local result = { errors = {}, messages = {} }
local function note(msg)
  table.insert(result.errors, msg)
end
local timeout = spec.timeout_ms or 20000

local function main()
  vim.opt.runtimepath:prepend(spec.plugin)
  vim.cmd('filetype on')
  vim.cmd('runtime! plugin/pacto.lua')
  -- Capture window/showMessage (the report) instead of printing it.
  vim.lsp.handlers['window/showMessage'] = function(_, params)
    table.insert(result.messages, params.message)
  end
  require('pacto').setup({ cmd = { spec.pacto, 'lsp' } })
  vim.cmd.edit(vim.fn.fnameescape(spec.file))
  local buf = vim.api.nvim_get_current_buf()
  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  local client
  vim.wait(timeout, function()
    client = get_clients({ bufnr = buf, name = 'pacto' })[1]
    return client ~= nil and client.initialized == true
  end, 10)
  if not client then
    return note('the pacto client did not attach')
  end
  local last = vim.api.nvim_buf_line_count(buf)
  local res = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = 0, character = 0 }, ['end'] = { line = last, character = 0 } },
    context = { diagnostics = {}, only = { 'refactor.rewrite' } },
  }, timeout)
  local answer = res and res[client.id]
  if not answer or answer.err then
    return note('codeAction failed: ' .. vim.inspect(answer and answer.err))
  end
  result.titles = {}
  local chosen
  for _, a in ipairs(answer.result or {}) do
    table.insert(result.titles, a.title)
    if a.title == spec.title then
      chosen = a
    end
  end
  if not chosen then
    return note('no action titled ' .. spec.title)
  end
  vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
  if chosen.command then
    local done = false
    vim.lsp.buf_request(buf, 'workspace/executeCommand', {
      command = chosen.command.command,
      arguments = chosen.command.arguments,
    }, function()
      done = true
    end)
    vim.wait(timeout, function()
      return done and #result.messages > 0
    end, 10)
  end
  vim.cmd('silent write')
  result.written = true
  -- After the edit the server re-validates the (now 2.0) buffer: its diagnostics.
  vim.wait(2000, function()
    return false
  end, 50)
  result.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(result.diagnostics, { code = d.code, message = d.message, lnum = d.lnum, severity = d.severity })
  end
end

local ok, err = pcall(main)
if not ok then
  note('driver error: ' .. tostring(err))
end
vim.fn.writefile({ vim.json.encode(result) }, spec.out)
vim.cmd('qall!')
