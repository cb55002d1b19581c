-- Code lens and inlay hint driver for headless Neovim (run by pacto-cli/tests/neovim.rs):
--   nvim --headless -u NONE -i NONE -n -c 'luafile editors/nvim/test/lens.lua'
-- Loads the plugin with the spec's setup options (a repository on the test registry), opens the
-- contract, and records the lens titles Neovim holds: after attach, after an edit, after a save.
-- Then runs :PactoGraph, :PactoDiff and :PactoValidate from their own output windows. Writes what
-- it observed as JSON to spec.out; the Rust test asserts. Every wait is bounded.
local spec_path = assert(os.getenv('PACTO_NVIM_SPEC'), 'PACTO_NVIM_SPEC is not set')
local spec = vim.json.decode(table.concat(vim.fn.readfile(spec_path), '\n'))
local timeout = spec.timeout_ms or 20000

local result = { errors = {} }
local function note(msg)
  table.insert(result.errors, msg)
end

local function titles(buf)
  local out = {}
  for _, l in ipairs(vim.lsp.codelens.get(buf) or {}) do
    if l.command and l.command.title then
      table.insert(out, l.command.title)
    end
  end
  return out
end

--- Waits until a lens title contains `want`; returns the titles seen last.
local function lens_with(buf, want)
  local seen = {}
  vim.wait(timeout, function()
    seen = titles(buf)
    for _, t in ipairs(seen) do
      if t:find(want, 1, true) then
        return true
      end
    end
    return false
  end, 20)
  return seen
end

local function hints_enabled(buf)
  local ih = vim.lsp.inlay_hint
  if type(ih) ~= 'table' or not ih.is_enabled then
    return nil
  end
  local ok, on = pcall(ih.is_enabled, { bufnr = buf })
  if not ok then
    ok, on = pcall(ih.is_enabled, buf)
  end
  return ok and on or false
end

--- Runs `:cmd` from the current window and waits for its User event.
local function run_command(cmd, event)
  local done = false
  vim.api.nvim_create_autocmd('User', {
    pattern = event,
    once = true,
    callback = function()
      done = true
    end,
  })
  vim.cmd(cmd)
  if not vim.wait(timeout, function()
    return done
  end, 10) then
    note(cmd .. ' did not finish')
  end
end

local function main()
  vim.opt.runtimepath:prepend(spec.plugin)
  vim.cmd('filetype on')
  vim.cmd('runtime! plugin/pacto.lua')
  require('pacto').setup(vim.tbl_extend('force', { cmd = { spec.pacto, 'lsp' } }, spec.setup or {}))

  vim.cmd.edit(vim.fn.fnameescape(spec.file))
  local buf = vim.api.nvim_get_current_buf()
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
  vim.wait(200, function()
    return false
  end)
  result.hints_enabled = hints_enabled(buf)

  if spec.expect_lens then
    -- 1. The lens arrives by itself (on by default).
    result.lens_open = lens_with(buf, 'vs published')
    -- 2. An edit (TextChanged, as Neovim fires it after a change in Normal mode) refreshes it.
    local line = spec.edit_line
    vim.api.nvim_buf_set_lines(buf, line, line + 1, false, { spec.edit_text })
    vim.api.nvim_exec_autocmds('TextChanged', { buffer = buf })
    result.lens_edited = lens_with(buf, spec.edit_lens)
    -- 3. Undo the edit and save: the save refreshes it.
    vim.api.nvim_buf_set_lines(buf, line, line + 1, false, { spec.orig_text })
    vim.cmd('silent write')
    result.lens_saved = lens_with(buf, spec.saved_lens)
  else
    vim.wait(1500, function()
      return #titles(buf) > 0
    end, 20)
    result.lens_open = titles(buf)
  end

  if spec.output_windows then
    -- The commands from their own output windows use the last contract buffer.
    run_command('PactoGraph', 'PactoGraph')
    result.graph_first = vim.api.nvim_buf_get_lines(0, 0, -1, false)
    run_command('PactoGraph', 'PactoGraph') -- from pacto://graph
    result.graph_again = vim.api.nvim_buf_get_lines(0, 0, -1, false)
    result.graph_buffer = vim.api.nvim_buf_get_name(0)
    run_command('PactoDiff ' .. vim.fn.fnameescape(spec.diff_old), 'PactoDiff') -- from pacto://graph
    result.diff_first = vim.api.nvim_buf_get_lines(0, 0, -1, false)
    run_command('PactoDiff ' .. vim.fn.fnameescape(spec.diff_old), 'PactoDiff') -- from pacto://diff
    result.diff_again = vim.api.nvim_buf_get_lines(0, 0, -1, false)
    result.diff_buffer = vim.api.nvim_buf_get_name(0)
    run_command('PactoValidate', 'PactoValidate') -- from pacto://diff
    result.quickfix_title = vim.fn.getqflist({ title = 1 }).title
  end
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  note('driver error: ' .. tostring(err))
end
vim.fn.writefile({ vim.json.encode(result) }, spec.out)
vim.cmd('qall!')
