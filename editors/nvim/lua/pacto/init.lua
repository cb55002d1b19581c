-- Pacto for Neovim: the `pacto lsp` language server for `pacto.yaml`, `:checkhealth pacto`, and the
-- commands :PactoValidate, :PactoDiff and :PactoGraph.
--
--   require('pacto').setup({
--     cmd = { 'pacto', 'lsp' },           -- how to start the server (default: `pacto lsp` from PATH)
--     settings = { pacto = { ... } },     -- sent on workspace/configuration
--     init_options = nil,                 -- sent in `initialize`
--     on_attach = nil, capabilities = nil,
--     autostart = true,                   -- start on `yaml.pacto` buffers
--     codelens = true,                    -- show the server's code lenses, refreshed after edits and saves
--     inlay_hints = true,                 -- show the server's inlay hints (`→ 1.4.2` after a dependency)
--   })
local M = {}

local defaults = {
  cmd = nil,
  settings = { pacto = {} },
  init_options = nil,
  capabilities = nil,
  on_attach = nil,
  filetypes = { 'yaml.pacto' },
  autostart = true,
  codelens = true,
  inlay_hints = true,
}

-- Keys whose values are lists: a user's list replaces the default instead of merging by index.
local list_keys = { cmd = true, filetypes = true }

M.config = vim.deepcopy(defaults)

local function merge(opts)
  local cfg = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  for k in pairs(list_keys) do
    if opts and opts[k] ~= nil then
      cfg[k] = vim.deepcopy(opts[k])
    end
  end
  return cfg
end

--- The `pacto` executable: the first word of `cmd`, else `g:pacto_binary`, else `pacto` on PATH.
function M.binary()
  if type(M.config.cmd) == 'table' and M.config.cmd[1] then
    return M.config.cmd[1]
  end
  return vim.g.pacto_binary or 'pacto'
end

--- The command that starts the language server.
function M.server_cmd()
  if type(M.config.cmd) == 'table' and #M.config.cmd > 0 then
    return vim.deepcopy(M.config.cmd)
  end
  return { M.binary(), 'lsp' }
end

local function is_contract(name)
  local base = vim.fs.basename(name)
  return base == 'pacto.yaml' or base:match('%.pacto%.yaml$') ~= nil
end

--- The last contract buffer entered (the commands use it when run from their own output window).
M.last_contract = nil

--- Remembers `bufnr` as the last contract buffer when it is one.
function M.remember(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name ~= '' and vim.bo[bufnr].buftype == '' and is_contract(name) then
    M.last_contract = bufnr
  end
end

local function last_contract_dir()
  local b = M.last_contract
  if b and vim.api.nvim_buf_is_valid(b) then
    local name = vim.api.nvim_buf_get_name(b)
    if name ~= '' then
      return vim.fs.dirname(vim.fn.fnamemodify(name, ':p'))
    end
  end
  return nil
end

--- The bundle directory for a buffer: the directory of its contract, else the nearest directory
--- above the buffer (or the current directory) that holds a `pacto.yaml`. From a scratch buffer
--- (pacto://diff, pacto://graph, the quickfix list): the last contract buffer's bundle.
function M.bundle_dir(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr or 0)
  if vim.bo[bufnr or 0].buftype ~= '' or name:match('^%a[%w+.-]*://') then
    local last = last_contract_dir()
    if last then
      return last
    end
    name = '' -- scratch buffers (pacto://graph), terminals, URLs: use the current directory
  end
  if name ~= '' and is_contract(name) then
    return vim.fs.dirname(vim.fn.fnamemodify(name, ':p'))
  end
  local start = name ~= '' and vim.fs.dirname(vim.fn.fnamemodify(name, ':p')) or vim.fn.getcwd()
  local found = vim.fs.find('pacto.yaml', { upward = true, path = start, type = 'file' })[1]
  return found and vim.fs.dirname(found) or nil
end

local function refresh_lens(bufnr)
  if not (M.config.codelens and vim.api.nvim_buf_is_valid(bufnr)) then
    return
  end
  -- 0.10 takes { bufnr = }, 0.9 refreshes the current buffer.
  if not pcall(vim.lsp.codelens.refresh, { bufnr = bufnr }) then
    pcall(vim.lsp.codelens.refresh)
  end
end

--- The client capabilities: the user's (else Neovim's), plus `workspace.codeLens.refreshSupport`
--- when lenses are on, so that the server asks for a refresh when a registry answer lands
--- (Neovim 0.10 does not advertise it and has no handler for it: `handlers()` adds one).
local function capabilities()
  local caps = M.config.capabilities
  if not M.config.codelens then
    return caps
  end
  return vim.tbl_deep_extend(
    'force',
    caps or vim.lsp.protocol.make_client_capabilities(),
    { workspace = { codeLens = { refreshSupport = true } } }
  )
end

local function handlers()
  if not M.config.codelens then
    return nil
  end
  return {
    ['workspace/codeLens/refresh'] = function(_, _, ctx)
      local client = vim.lsp.get_client_by_id(ctx.client_id)
      for buf in pairs(client and client.attached_buffers or {}) do
        refresh_lens(buf)
      end
      return vim.NIL
    end,
  }
end

--- The client configuration (for `vim.lsp.start`).
function M.client_config(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr or 0)
  return {
    name = 'pacto',
    cmd = M.server_cmd(),
    root_dir = name ~= '' and vim.fs.dirname(vim.fn.fnamemodify(name, ':p')) or vim.fn.getcwd(),
    settings = M.config.settings,
    init_options = M.config.init_options,
    capabilities = capabilities(),
    handlers = handlers(),
    on_attach = M.config.on_attach,
  }
end

local warned_missing = false

--- Starts (or reuses) the server for a buffer on Neovim 0.9/0.10. Returns the client id.
function M.start(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local exe = M.server_cmd()[1]
  if vim.fn.executable(exe) ~= 1 then
    if not warned_missing then
      warned_missing = true
      -- Scheduled: never raise inside the FileType autocommand that opens the buffer.
      vim.schedule(function()
        vim.notify(
          ('pacto: language server `%s` not found. Install pacto, or set `cmd` in '
            .. "require('pacto').setup{}. See :checkhealth pacto"):format(exe),
          vim.log.levels.ERROR
        )
      end)
    end
    return nil
  end
  return vim.lsp.start(M.client_config(bufnr), { bufnr = bufnr })
end

local function has_native_config()
  return vim.fn.has('nvim-0.11') == 1 and type(vim.lsp.config) == 'table' and vim.lsp.enable ~= nil
end

local function enable_hints(bufnr)
  local ih = vim.lsp.inlay_hint
  if type(ih) == 'table' and ih.enable then
    -- 0.10: enable(bool, { bufnr = }); 0.10 pre-releases: enable(bufnr, bool).
    if not pcall(ih.enable, true, { bufnr = bufnr }) then
      pcall(ih.enable, bufnr, true)
    end
  elseif type(ih) == 'function' then
    pcall(ih, bufnr, true) -- 0.9 nightly API
  end
end

--- Turns on code lenses and inlay hints for a buffer the pacto client attached to (unless
--- setup{ codelens = false } / { inlay_hints = false }), and refreshes the lenses after edits
--- and saves.
function M.on_attach(bufnr)
  M.remember(bufnr)
  if M.config.inlay_hints then
    enable_hints(bufnr)
  end
  if not M.config.codelens then
    return
  end
  local group = vim.api.nvim_create_augroup('pacto_lens_' .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'TextChanged', 'BufWritePost' }, {
    group = group,
    buffer = bufnr,
    callback = function(args)
      refresh_lens(args.buf)
    end,
  })
  refresh_lens(bufnr)
end

function M.setup(opts)
  M.config = merge(opts)
  warned_missing = false
  require('pacto.filetype').add()
  require('pacto.commands').create()
  vim.api.nvim_create_autocmd('LspAttach', {
    group = vim.api.nvim_create_augroup('pacto_attach', { clear = true }),
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data and args.data.client_id or -1)
      if client and client.name == 'pacto' then
        M.on_attach(args.buf)
      end
    end,
  })
  if not M.config.autostart then
    return
  end
  if has_native_config() then
    -- 0.11+: merged over `lsp/pacto.lua` from this plugin (root: the contract's directory).
    vim.lsp.config('pacto', {
      cmd = M.server_cmd(),
      filetypes = M.config.filetypes,
      settings = M.config.settings,
      init_options = M.config.init_options,
      capabilities = capabilities(),
      handlers = handlers(),
      on_attach = M.config.on_attach,
    })
    vim.lsp.enable('pacto')
    return
  end
  local group = vim.api.nvim_create_augroup('pacto_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args)
      M.start(args.buf)
    end,
  })
  -- Buffers opened before setup() ran.
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(M.config.filetypes, vim.bo[buf].filetype) then
      M.start(buf)
    end
  end
end

return M
