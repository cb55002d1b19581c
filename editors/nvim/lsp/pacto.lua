---@brief
---
--- Language server for Pacto service contracts (`pacto.yaml`): diagnostics from the schema,
--- cross-field and semantic checks, hover documentation from the schema, completion of keys,
--- enum values and interface names, document symbols and quick fixes.
---
--- Install the `pacto` binary (it serves LSP over stdio with `pacto lsp`). Files named
--- `pacto.yaml` / `*.pacto.yaml` get the filetype `yaml.pacto` from the pacto Neovim plugin; without
--- the plugin add it yourself:
--- ```lua
--- vim.filetype.add({ filename = { ['pacto.yaml'] = 'yaml.pacto' } })
--- ```
--- To keep yaml-language-server attached as well, use require('pacto.yamlls').config() (the
--- schema of each file's pactoVersion, and no schema error twice; see the plugin's README).

---@type vim.lsp.Config
return {
  cmd = { 'pacto', 'lsp' },
  filetypes = { 'yaml.pacto' },
  -- The root is the bundle: the directory of the contract.
  root_dir = function(bufnr, on_dir)
    local name = vim.api.nvim_buf_get_name(bufnr)
    if name ~= '' then
      on_dir(vim.fs.dirname(name))
    end
  end,
  settings = { pacto = {} },
}
