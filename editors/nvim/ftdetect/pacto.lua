-- `pacto.yaml` and `*.pacto.yaml` are Pacto contracts: filetype `yaml.pacto`, so YAML syntax,
-- ftplugins and YAML tooling still apply and the pacto server can attach by filetype.
require('pacto.filetype').add()
