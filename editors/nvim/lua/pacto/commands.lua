-- :PactoValidate, :PactoDiff and :PactoGraph: run the pacto CLI without blocking the editor.
local M = {}

local function pacto()
  return require('pacto')
end

--- Runs `cmd` (a list) in `cwd` and calls `on_exit(code, stdout, stderr)` on the main loop.
function M.run(cmd, cwd, on_exit)
  if vim.fn.executable(cmd[1]) ~= 1 then
    vim.schedule(function()
      on_exit(127, '', ('`%s` not found (see :checkhealth pacto)'):format(cmd[1]))
    end)
    return
  end
  if vim.system then
    vim.system(cmd, { cwd = cwd, text = true }, function(res)
      vim.schedule(function()
        on_exit(res.code, res.stdout or '', res.stderr or '')
      end)
    end)
    return
  end
  -- Neovim 0.9: jobstart.
  local out, err = {}, {}
  local ok = vim.fn.jobstart(cmd, {
    cwd = cwd,
    stdout_buffered = true,
    stderr_buffered = true,
    on_stdout = function(_, data)
      out = data
    end,
    on_stderr = function(_, data)
      err = data
    end,
    on_exit = function(_, code)
      vim.schedule(function()
        on_exit(code, table.concat(out, '\n'), table.concat(err, '\n'))
      end)
    end,
  })
  if ok <= 0 then
    vim.schedule(function()
      on_exit(127, '', 'cannot start ' .. cmd[1])
    end)
  end
end

local function notify(msg, level)
  vim.notify('pacto: ' .. msg, level or vim.log.levels.INFO)
end

local function lines_of(text)
  local lines = vim.split(text, '\n', { plain = true })
  if lines[#lines] == '' then
    table.remove(lines)
  end
  return lines
end

--- Shows `lines` in a scratch buffer `name` in a split (reused on the next run).
function M.show(name, lines)
  local buf
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_valid(b) and vim.api.nvim_buf_get_name(b) == name then
      buf = b
    end
  end
  if not buf then
    buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(buf, name)
    vim.bo[buf].buftype = 'nofile'
    vim.bo[buf].bufhidden = 'hide'
    vim.bo[buf].swapfile = false
  end
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false
  local win = vim.fn.bufwinid(buf)
  if win == -1 then
    vim.cmd('botright split')
    vim.api.nvim_win_set_buf(0, buf)
  else
    vim.api.nvim_set_current_win(win)
  end
  return buf
end

--- Quickfix items from `pacto validate --output-format json` (one report or a list of reports).
function M.qf_items(json)
  local ok, decoded = pcall(vim.json.decode, json, { luanil = { object = true, array = true } })
  if not ok or type(decoded) ~= 'table' then
    return nil
  end
  local reports = decoded[1] ~= nil and decoded or { decoded }
  local items = {}
  for _, report in ipairs(reports) do
    for _, group in ipairs({ { report.Errors, 'E' }, { report.Warnings, 'W' } }) do
      for _, d in ipairs(group[1] or {}) do
        local text = ('[%s] %s'):format(d.Code or '?', d.Message or '')
        if d.Path and d.Path ~= '' then
          text = ('[%s] %s: %s'):format(d.Code or '?', d.Path, d.Message or '')
        end
        if d.Help then
          text = text .. ' (help: ' .. d.Help .. ')'
        end
        table.insert(items, {
          filename = d.File or ((report.Path or '.') .. '/pacto.yaml'),
          lnum = d.Line or 1,
          col = d.Column or 1,
          end_lnum = d.EndLine,
          end_col = d.EndColumn,
          type = group[2],
          text = text,
        })
      end
    end
  end
  return items
end

--- Validates a bundle directory (default: the current buffer's bundle) into the quickfix list.
function M.validate(dir)
  dir = (dir and dir ~= '') and vim.fn.fnamemodify(dir, ':p') or pacto().bundle_dir(0)
  if not dir then
    notify('no pacto.yaml here or above; give a bundle directory: :PactoValidate DIR', vim.log.levels.ERROR)
    return
  end
  dir = dir:gsub('/$', '')
  M.run({ pacto().binary(), 'validate', '--output-format', 'json', dir }, dir, function(code, out, err)
    local items = M.qf_items(out)
    if not items then
      notify('validate failed: ' .. vim.trim(err ~= '' and err or out), vim.log.levels.ERROR)
      vim.api.nvim_exec_autocmds('User', { pattern = 'PactoValidate', data = { code = code, items = {} } })
      return
    end
    vim.fn.setqflist({}, ' ', { title = 'pacto validate ' .. dir, items = items })
    local errors = #vim.tbl_filter(function(i)
      return i.type == 'E'
    end, items)
    if #items > 0 then
      vim.cmd('botright copen')
      vim.cmd('wincmd p')
    end
    if errors == 0 then
      notify(('%s is valid (%d warning(s))'):format(dir, #items - errors))
    else
      notify(('%d error(s), %d warning(s)'):format(errors, #items - errors), vim.log.levels.WARN)
    end
    vim.api.nvim_exec_autocmds('User', { pattern = 'PactoValidate', data = { code = code, items = items } })
  end)
end

-- A user argument: oci:// and git: specs as given, paths made absolute (the CLI runs in the bundle).
local function side(arg)
  if arg:match('^oci://') or arg:match('^git:') then
    return arg
  end
  return (vim.fn.fnamemodify(arg, ':p'):gsub('/$', ''))
end

local function output_lines(code, out, err)
  local lines = lines_of(out)
  if code ~= 0 and err ~= '' then
    vim.list_extend(lines, lines_of(err))
  end
  if #lines == 0 then
    lines = { '(no output)' }
  end
  return lines
end

--- Diffs two contract versions. No argument: `git:HEAD` of the bundle against the working tree;
--- one: OLD against the bundle; two: OLD NEW (directories, `git:REV[:DIR]` or `oci://REF`).
function M.diff(args)
  local dir = pacto().bundle_dir(0) or vim.fn.getcwd()
  local old, new = args[1], args[2]
  old = old and side(old) or 'git:HEAD'
  new = new and side(new) or '.'
  M.run({ pacto().binary(), 'diff', '--fail-on', 'none', old, new }, dir, function(code, out, err)
    M.show('pacto://diff', output_lines(code, out, err))
    vim.api.nvim_exec_autocmds('User', { pattern = 'PactoDiff', data = { code = code } })
  end)
end

--- Shows the resolved dependency graph of a bundle (default: the current buffer's) or oci://REF.
function M.graph(args)
  local target = args[1] and side(args[1]) or pacto().bundle_dir(0)
  if not target then
    notify('no pacto.yaml here or above; give a bundle directory: :PactoGraph DIR', vim.log.levels.ERROR)
    return
  end
  local cwd = target:match('^oci://') and vim.fn.getcwd() or target
  M.run({ pacto().binary(), 'graph', target }, cwd, function(code, out, err)
    M.show('pacto://graph', output_lines(code, out, err))
    vim.api.nvim_exec_autocmds('User', { pattern = 'PactoGraph', data = { code = code } })
  end)
end

function M.create()
  -- Remember the last contract buffer: the commands use it from their own output windows.
  vim.api.nvim_create_autocmd({ 'BufEnter', 'BufReadPost' }, {
    group = vim.api.nvim_create_augroup('pacto_last_contract', { clear = true }),
    pattern = { 'pacto.yaml', '*.pacto.yaml' },
    callback = function(args)
      pacto().remember(args.buf)
    end,
  })
  local create = vim.api.nvim_create_user_command
  create('PactoValidate', function(o)
    M.validate(o.args)
  end, { nargs = '?', complete = 'dir', desc = 'pacto validate into the quickfix list' })
  create('PactoDiff', function(o)
    M.diff(o.fargs)
  end, { nargs = '*', complete = 'file', desc = 'pacto diff [OLD] [NEW] in a scratch split' })
  create('PactoGraph', function(o)
    M.graph(o.fargs)
  end, { nargs = '?', complete = 'dir', desc = 'pacto graph in a scratch split' })
end

return M
