-- End-to-end driver for a mixed workspace (run by pacto-cli/tests/neovim.rs): a Pacto 2.0 contract
-- and a 1.x contract side by side, each with `pacto lsp` (the plugin's setup) and yaml-language-server
-- (configured with require('pacto.yamlls').config()). Writes what Neovim showed as JSON to spec.out;
-- the Rust test asserts. Every wait is bounded.
local spec_path = assert(os.getenv('PACTO_NVIM_SPEC'), 'PACTO_NVIM_SPEC is not set')
local spec = vim.json.decode(table.concat(vim.fn.readfile(spec_path), '\n'))
local timeout = spec.timeout_ms or 20000

local result = { errors = {}, files = {}, yamlls_raw = {} }
local function note(msg)
  table.insert(result.errors, msg)
end

local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients

local function labels(completion)
  local items = completion and (completion.items or completion) or {}
  local out = {}
  for _, it in ipairs(items) do
    out[#out + 1] = it.label
  end
  table.sort(out)
  return out
end

local function complete(buf, client, line)
  -- A new, empty top-level line, sent as an incremental change, then removed again.
  vim.api.nvim_buf_set_lines(buf, line, line, false, { '' })
  local res = client.request_sync('textDocument/completion', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = line, character = 0 },
    context = { triggerKind = 1 },
  }, timeout, buf)
  vim.api.nvim_buf_set_lines(buf, line, line + 1, false, {})
  if not res or res.err then
    note(client.name .. ' completion: ' .. vim.inspect(res and res.err or 'timeout'))
    return {}
  end
  return labels(res.result)
end

local function main()
  vim.opt.runtimepath:prepend(spec.plugin)
  vim.cmd('filetype on')
  vim.cmd('runtime! plugin/pacto.lua')
  require('pacto').setup({ cmd = { spec.pacto, 'lsp' }, codelens = false, inlay_hints = false })

  -- yamlls as a user would configure it with the plugin's helper, over their own settings.
  local yamlls = require('pacto.yamlls').config({
    cmd = spec.yamlls_cmd,
    settings = { yaml = { validate = true, schemaStore = { enable = false, url = '' } } },
  })
  -- Record what yamlls publishes before the helper's filter (which wraps Neovim's handler).
  local filtered = yamlls.handlers['textDocument/publishDiagnostics']
  yamlls.handlers['textDocument/publishDiagnostics'] = function(err, res, ctx, config)
    local name = vim.uri_to_fname(res.uri)
    result.yamlls_raw[name] = {}
    for _, d in ipairs(res.diagnostics or {}) do
      table.insert(result.yamlls_raw[name], { line = d.range.start.line, source = d.source, message = d.message })
    end
    return filtered(err, res, ctx, config)
  end
  vim.api.nvim_create_autocmd('FileType', {
    pattern = yamlls.filetypes,
    callback = function(args)
      local cfg = vim.tbl_extend('force', yamlls, { name = 'yamlls', root_dir = spec.workspace })
      vim.lsp.start(cfg, { bufnr = args.buf })
    end,
  })

  for _, f in ipairs(spec.files) do
    vim.cmd.edit(vim.fn.fnameescape(f.path))
    local buf = vim.api.nvim_get_current_buf()
    local out = { filetype = vim.bo[buf].filetype }
    result.files[f.path] = out
    local pacto, yls
    vim.wait(timeout, function()
      pacto = get_clients({ bufnr = buf, name = 'pacto' })[1]
      yls = get_clients({ bufnr = buf, name = 'yamlls' })[1]
      return pacto ~= nil and pacto.initialized and yls ~= nil and yls.initialized
    end, 10)
    if not (pacto and yls) then
      note('clients did not attach to ' .. f.path)
      return
    end
    out.yamlls_schema = require('pacto.yamlls').schema_uri(vim.uri_from_bufnr(buf))
    out.yamlls_schema_missing_dir = require('pacto.yamlls').schema_uri(vim.uri_from_bufnr(buf), { schemas_dir = spec.workspace .. '/no-schemas' })
    -- Diagnostics from pacto lsp; then time for yamlls to validate (and publish, if it would).
    if not vim.wait(timeout, function()
      return #vim.diagnostic.get(buf) >= f.min_diagnostics
    end, 10) then
      note('timed out waiting for the diagnostics of ' .. f.path)
    end
    vim.wait(timeout, function()
      return result.yamlls_raw[f.path] ~= nil
    end, 10)
    vim.wait(1500)
    out.diagnostics = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      table.insert(out.diagnostics, {
        lnum = d.lnum,
        col = d.col,
        code = d.code,
        source = d.source,
        message = d.message,
      })
    end
    table.sort(out.diagnostics, function(a, b)
      return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col)
    end)
    out.pacto_completion = complete(buf, pacto, f.completion_line)
    out.yamlls_completion = complete(buf, yls, f.completion_line)
  end
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  note('driver error: ' .. tostring(err))
end
vim.fn.writefile({ vim.json.encode(result) }, spec.out)
vim.cmd('qall!')
