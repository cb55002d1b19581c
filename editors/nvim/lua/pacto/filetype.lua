local M = {}

--- Registers the `yaml.pacto` filetype for `pacto.yaml` and `*.pacto.yaml` (idempotent).
function M.add()
  vim.filetype.add({
    filename = { ['pacto.yaml'] = 'yaml.pacto' },
    pattern = { ['.*%.pacto%.yaml'] = 'yaml.pacto' },
  })
end

return M
