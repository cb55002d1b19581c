-- yaml-language-server (yamlls) on Pacto contracts, next to `pacto lsp`:
--
--   vim.lsp.config('yamlls', require('pacto.yamlls').config())            -- Neovim 0.11+
--   require('lspconfig').yamlls.setup(require('pacto.yamlls').config())   -- nvim-lspconfig
--
-- * The schema by `pactoVersion`: yamlls associates schemas by file name (`yaml.schemas`), and a
--   `pacto.yaml` may be a 1.x or a 2.0 contract. The client answers yamlls's custom schema request
--   instead (the protocol Red Hat's VS Code extension uses: the client sends
--   `yaml/registerCustomSchemaRequest`, yamlls then asks `custom/schema/request` with the
--   document's URI on every validation): `schemas/pacto-v2.0.schema.json` for "2.0",
--   `schemas/pacto-v1.0.schema.json` for 1.x (or no pactoVersion, as `pacto lsp` reads it), nothing
--   for a version no generation has. Other YAML files get nothing from it (yamlls's own
--   associations apply).
-- * No error twice: `pacto lsp` reports every schema error (with its exact range and a "did you
--   mean" help), so yamlls's schema diagnostics (source `yaml-schema: ...`) are dropped on
--   contracts; its YAML syntax errors are kept, as are its completion and hover from the schema.
local M = {}

local function plugin_root()
  local src = debug.getinfo(1, 'S').source:gsub('^@', '')
  local uv = vim.uv or vim.loop
  src = uv.fs_realpath(src) or src
  -- <root>/lua/pacto/yamlls.lua
  return vim.fs.dirname(vim.fs.dirname(vim.fs.dirname(src)))
end

--- The directory with `pacto-v1.0.schema.json` and `pacto-v2.0.schema.json`: `opts.schemas_dir`,
--- else the repository's `schemas/` (the plugin is its `editors/nvim`).
function M.schemas_dir(opts)
  if opts and opts.schemas_dir then
    return opts.schemas_dir
  end
  return vim.fs.normalize(plugin_root() .. '/../../schemas')
end

local V1 = { ['1.0'] = true, ['1.1'] = true, ['1.2'] = true }
local V2 = { ['2.0'] = true }
--- Bound on the text scanned for `pactoVersion` (a top-level key, normally the first).
local SCAN_LINES = 20000

--- The unquoted scalar of the top-level `pactoVersion` key in `lines`, or nil.
function M.pacto_version(lines)
  for i, line in ipairs(lines) do
    if i > SCAN_LINES then
      break
    end
    if i == 1 then
      line = line:gsub('^\239\187\191', '') -- BOM
    end
    local rest = line:match('^pactoVersion[ \t]*:(.*)$')
    if rest then
      rest = vim.trim((rest:gsub('\r$', '')))
      local q, v = rest:match('^(["\'])(.-)%1')
      if q then
        return v
      end
      rest = vim.trim((rest:gsub('^#.*$', ''):gsub('%s+#.*$', '')))
      if rest == '' or rest:match('^[%[{|>&*!]') then
        return nil
      end
      return rest
    end
  end
  return nil
end

--- The schema file name for a contract with these lines, or nil (a version no generation has).
function M.schema_file(lines)
  local v = M.pacto_version(lines)
  if v == nil or V1[v] then
    return 'pacto-v1.0.schema.json'
  end
  if V2[v] then
    return 'pacto-v2.0.schema.json'
  end
  return nil
end

local function is_contract(path)
  local base = vim.fs.basename(path)
  return base == 'pacto.yaml' or base:match('%.pacto%.yaml$') ~= nil
end

--- The lines of the document at `uri`: its loaded buffer, else the file (bounded), else {}.
local function lines_of(uri)
  local ok, bufnr = pcall(vim.uri_to_bufnr, uri)
  if ok and vim.api.nvim_buf_is_loaded(bufnr) then
    return vim.api.nvim_buf_get_lines(bufnr, 0, SCAN_LINES, false)
  end
  local path = vim.uri_to_fname(uri)
  if vim.fn.filereadable(path) == 1 then
    return vim.fn.readfile(path, '', SCAN_LINES)
  end
  return {}
end

local warned_missing = false

--- The schema URI for the document at `uri` (a `file://` URI), or nil (also when the schema file
--- is missing: then a warning, once).
function M.schema_uri(uri, opts)
  if type(uri) ~= 'string' or not uri:match('^file:') or not is_contract(vim.uri_to_fname(uri)) then
    return nil
  end
  local file = M.schema_file(lines_of(uri))
  if not file then
    return nil
  end
  local path = M.schemas_dir(opts) .. '/' .. file
  if vim.fn.filereadable(path) ~= 1 then
    if not warned_missing then
      warned_missing = true
      vim.schedule(function()
        vim.notify(
          ('pacto: no contract schema at %s, so yaml-language-server validates contracts without one. '
            .. "Install the whole Pacto repository as the plugin, or pass { schemas_dir = '/path/to/schemas' } "
            .. "to require('pacto.yamlls').config()"):format(path),
          vim.log.levels.WARN
        )
      end)
    end
    return nil
  end
  return vim.uri_from_fname(path)
end

local function wrap_diagnostics(inner)
  return function(err, result, ctx, config)
    if result and type(result.uri) == 'string' and result.uri:match('^file:') and is_contract(vim.uri_to_fname(result.uri)) then
      local kept = {}
      for _, d in ipairs(result.diagnostics or {}) do
        if not (type(d.source) == 'string' and d.source:match('^yaml%-schema')) then
          kept[#kept + 1] = d
        end
      end
      result.diagnostics = kept
    end
    local h = inner or vim.lsp.handlers['textDocument/publishDiagnostics']
    return h(err, result, ctx, config)
  end
end

--- A yamlls client configuration (merged over `base`, e.g. your own yamlls settings): attaches to
--- `yaml.pacto` too, hands yamlls the contract schema of each document's `pactoVersion`, and drops
--- its schema diagnostics on contracts (`pacto lsp` reports them). `opts.schemas_dir` overrides
--- where the schemas are.
function M.config(base, opts)
  local cfg = vim.deepcopy(base or {})
  local filetypes = cfg.filetypes or { 'yaml', 'yaml.docker-compose', 'yaml.gitlab' }
  if not vim.tbl_contains(filetypes, 'yaml.pacto') then
    filetypes = vim.list_extend(vim.deepcopy(filetypes), { 'yaml.pacto' })
  end
  cfg.filetypes = filetypes
  cfg.handlers = cfg.handlers or {}
  cfg.handlers['custom/schema/request'] = function(_, params)
    -- yamlls sends the resource URI as the single (positional) parameter.
    local uri = type(params) == 'table' and params[1] or params
    return M.schema_uri(uri, opts) or vim.NIL
  end
  cfg.handlers['textDocument/publishDiagnostics'] = wrap_diagnostics(cfg.handlers['textDocument/publishDiagnostics'])
  local user_on_init = cfg.on_init
  cfg.on_init = function(client, result)
    if vim.fn.has('nvim-0.11') == 1 then
      client:notify('yaml/registerCustomSchemaRequest')
    else
      client.notify('yaml/registerCustomSchemaRequest')
    end
    if user_on_init then
      return user_on_init(client, result)
    end
  end
  return cfg
end

return M
