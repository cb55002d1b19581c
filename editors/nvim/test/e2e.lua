-- End-to-end driver for headless Neovim (run by pacto-cli/tests/neovim.rs):
--   nvim --headless -u NONE -i NONE -n -c 'luafile editors/nvim/test/e2e.lua'
-- Reads the JSON spec named by $PACTO_NVIM_SPEC, loads the plugin from the repository, opens the
-- contract, drives the real LSP client and the plugin's commands, and writes what it observed as
-- JSON to spec.out. It never asserts: the Rust test does. Every wait is bounded.
local spec_path = assert(os.getenv('PACTO_NVIM_SPEC'), 'PACTO_NVIM_SPEC is not set')
local spec = vim.json.decode(table.concat(vim.fn.readfile(spec_path), '\n'))

local uv = vim.uv or vim.loop
local t_start = uv.hrtime()
local function ms_since(t)
  return math.floor((uv.hrtime() - t) / 1e6)
end

local result = { errors = {}, timings_ms = {} }
local function note(msg)
  table.insert(result.errors, msg)
end

local function finish()
  result.timings_ms.total = ms_since(t_start)
  vim.fn.writefile({ vim.json.encode(result) }, spec.out)
  vim.cmd('qall!')
end

local timeout = spec.timeout_ms or 20000

local function request(buf, client, method, params)
  local res, err = vim.lsp.buf_request_sync(buf, method, params, timeout)
  if not res then
    note(method .. ': ' .. tostring(err))
    return nil
  end
  local r = res[client.id]
  if not r then
    note(method .. ': no answer from the pacto client')
    return nil
  end
  if r.err then
    note(method .. ': ' .. vim.inspect(r.err))
  end
  return r.result
end

local function labels(completion)
  local items = completion and (completion.items or completion) or {}
  local out = {}
  for _, it in ipairs(items) do
    table.insert(out, it.label)
  end
  table.sort(out)
  return out
end

local function diagnostics(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out, {
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = d.severity,
      message = d.message,
      code = d.code,
      source = d.source,
    })
  end
  table.sort(out, function(a, b)
    return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col)
  end)
  return out
end

local function codes(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    out[#out + 1] = d.code
  end
  table.sort(out)
  return out
end

local function main()
  result.nvim_version = tostring(vim.version())
  vim.opt.runtimepath:prepend(spec.plugin)
  vim.cmd('filetype on') -- sources ftdetect/*.lua from the runtimepath, so ours too
  vim.cmd('runtime! plugin/pacto.lua')
  require('pacto').setup({ cmd = { spec.pacto, 'lsp' } })

  vim.cmd.edit(vim.fn.fnameescape(spec.file))
  local buf = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(buf)
  result.filetype = vim.bo[buf].filetype

  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  local client
  vim.wait(timeout, function()
    client = get_clients({ bufnr = buf, name = 'pacto' })[1]
    return client ~= nil and client.initialized == true
  end, 10)
  if not client then
    note('the pacto client did not attach')
    return
  end
  result.client = {
    name = client.name,
    root_dir = client.config.root_dir,
    offset_encoding = client.offset_encoding,
    server_name = client.server_info and client.server_info.name,
    code_action_provider = client.server_capabilities.codeActionProvider ~= nil,
  }

  -- 1. Diagnostics published on open.
  local t = uv.hrtime()
  local got = vim.wait(timeout, function()
    return #vim.diagnostic.get(buf) >= spec.min_diagnostics
  end, 10)
  result.timings_ms.diagnostics = ms_since(t)
  if not got then
    note('timed out waiting for diagnostics')
  end
  result.diagnostics = diagnostics(buf)

  -- 2. Hover on a key.
  t = uv.hrtime()
  local hover = request(buf, client, 'textDocument/hover', { textDocument = { uri = uri }, position = spec.hover })
  result.timings_ms.hover = ms_since(t)
  if hover and hover.contents then
    result.hover = hover.contents.value or hover.contents
    result.hover_kind = hover.contents.kind
  end

  -- 3. Completion of a value (the declared interface names).
  t = uv.hrtime()
  result.value_completion = labels(request(buf, client, 'textDocument/completion', {
    textDocument = { uri = uri },
    position = spec.value_completion,
    context = { triggerKind = 1 },
  }))
  result.timings_ms.completion = ms_since(t)

  -- 4. Quick fix at a diagnostic, applied through the client's own workspace-edit code.
  local target
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == spec.code_action_for then
      target = d
    end
  end
  if not result.client.code_action_provider then
    note('the server does not offer code actions (no codeActionProvider)')
  elseif target then
    local lsp_diag = target.user_data and target.user_data.lsp
    local actions = request(buf, client, 'textDocument/codeAction', {
      textDocument = { uri = uri },
      range = lsp_diag and lsp_diag.range or {
        start = { line = target.lnum, character = target.col },
        ['end'] = { line = target.end_lnum, character = target.end_col },
      },
      context = { diagnostics = { lsp_diag }, triggerKind = 1 },
    }) or {}
    result.code_actions = {}
    local chosen
    for _, a in ipairs(actions) do
      table.insert(result.code_actions, { title = a.title, kind = a.kind, has_edit = a.edit ~= nil })
      if not chosen and a.edit and (a.kind == nil or a.kind:match('^quickfix')) then
        chosen = a
      end
    end
    if chosen then
      vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
      result.applied = chosen.title
      result.fixed_line = vim.api.nvim_buf_get_lines(buf, target.lnum, target.lnum + 1, false)[1]
      t = uv.hrtime()
      vim.wait(timeout, function()
        return not vim.tbl_contains(codes(buf), spec.code_action_for)
      end, 10)
      result.timings_ms.diagnostics_after_fix = ms_since(t)
      result.codes_after_fix = codes(buf)
    end
  else
    note('no diagnostic with code ' .. tostring(spec.code_action_for))
  end

  -- 5. Key completion on a new, empty line inside a mapping (sent as an incremental change).
  local kc = spec.key_completion
  vim.api.nvim_buf_set_lines(buf, kc.line, kc.line, false, { kc.text })
  result.key_completion = labels(request(buf, client, 'textDocument/completion', {
    textDocument = { uri = uri },
    position = { line = kc.line, character = #kc.text },
    context = { triggerKind = 1 },
  }))
  vim.api.nvim_buf_set_lines(buf, kc.line, kc.line + 1, false, {})

  -- 6. :PactoValidate fills the quickfix list from the CLI (the file on disk).
  local validated = false
  vim.api.nvim_create_autocmd('User', {
    pattern = 'PactoValidate',
    once = true,
    callback = function()
      validated = true
    end,
  })
  t = uv.hrtime()
  vim.cmd('PactoValidate')
  if not vim.wait(timeout, function()
    return validated
  end, 10) then
    note(':PactoValidate did not finish')
  end
  result.timings_ms.validate_command = ms_since(t)
  result.quickfix = {}
  for _, q in ipairs(vim.fn.getqflist()) do
    table.insert(result.quickfix, {
      file = vim.api.nvim_buf_get_name(q.bufnr),
      lnum = q.lnum,
      col = q.col,
      type = q.type,
      text = q.text,
    })
  end
  result.quickfix_title = vim.fn.getqflist({ title = 1 }).title

  -- 7. :PactoGraph in a scratch split.
  local graphed = false
  vim.api.nvim_create_autocmd('User', {
    pattern = 'PactoGraph',
    once = true,
    callback = function()
      graphed = true
    end,
  })
  vim.cmd('PactoGraph')
  if not vim.wait(timeout, function()
    return graphed
  end, 10) then
    note(':PactoGraph did not finish')
  end
  result.graph = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  result.graph_buffer = vim.api.nvim_buf_get_name(0)

  -- 8. :PactoDiff OLD from the contract's window: OLD against the bundle, in a scratch split.
  vim.api.nvim_set_current_win(vim.fn.bufwinid(buf))
  local diffed = false
  vim.api.nvim_create_autocmd('User', {
    pattern = 'PactoDiff',
    once = true,
    callback = function(args)
      diffed = true
      result.diff_code = args.data and args.data.code
    end,
  })
  vim.cmd('PactoDiff ' .. vim.fn.fnameescape(spec.diff_old))
  if not vim.wait(timeout, function()
    return diffed
  end, 10) then
    note(':PactoDiff did not finish')
  end
  result.diff = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  result.diff_buffer = vim.api.nvim_buf_get_name(0)

  -- 9. lsp/pacto.lua, the config Neovim 0.11's vim.lsp.enable('pacto') and nvim-lspconfig pick up.
  local cfg = dofile(spec.plugin .. '/lsp/pacto.lua')
  local root
  cfg.root_dir(buf, function(dir)
    root = dir
  end)
  result.lsp_config = { cmd = cfg.cmd, filetypes = cfg.filetypes, root = root }

  -- 10. :checkhealth pacto (synchronous; opens its report in a new tab).
  vim.cmd('checkhealth pacto')
  result.health = vim.api.nvim_buf_get_lines(0, 0, -1, false)
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  note('driver error: ' .. tostring(err))
end
finish()
