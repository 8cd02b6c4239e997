-- Drives `dfix server` from a real Neovim (0.11, headless), as a user would:
-- open the file, wait for the diagnostics, save with fix-all on save, quit.
--
--   nvim --headless --clean -l drive.lua FILE DIAGNOSTICS_JSON SERVER_CMD...
--
-- Writes the diagnostics Neovim received (1-based row and column in
-- characters, code, message) to DIAGNOSTICS_JSON; the fixed file is FILE.
-- Exit code 0 when every step happened, 1 with a `FAIL:` line otherwise.
local file, diag_out = arg[1], arg[2]
local cmd = { unpack(arg, 3) }
local function fail(msg)
  io.stdout:write('FAIL: ' .. msg .. '\n')
  os.exit(1)
end

vim.cmd.edit(file)
local buf = vim.api.nvim_get_current_buf()
local published = false
-- How the diagnostics came: 'pulled' or 'pushed' (printed at the end).
local how = nil
local id = vim.lsp.start({
  name = 'dfix',
  cmd = cmd,
  root_dir = vim.fs.dirname(vim.fs.abspath(file)),
  -- Neovim 0.11 pulls diagnostics from a server that offers them
  -- (`diagnosticProvider`); older clients get them pushed. Either counts.
  handlers = {
    ['textDocument/publishDiagnostics'] = function(err, result, ctx)
      published = true
      how = how or 'pushed'
      return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx)
    end,
    ['textDocument/diagnostic'] = function(err, result, ctx)
      published = true
      how = how or 'pulled'
      return vim.lsp.diagnostic.on_diagnostic(err, result, ctx)
    end,
  },
}, { bufnr = buf })
if not id then fail('the server did not start') end
local client = vim.lsp.get_client_by_id(id)
if not vim.wait(10000, function() return client.initialized end, 10) then fail('initialize') end
if not vim.wait(10000, function() return published end, 10) then fail('no diagnostics published or pulled') end

-- The diagnostics as the user sees them.
local found = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local line = vim.api.nvim_buf_get_lines(buf, d.lnum, d.lnum + 1, false)[1] or ''
  table.insert(found, {
    row = d.lnum + 1,
    column = vim.fn.charidx(line, d.col) + 1,
    code = d.code,
    message = d.message,
  })
end
local f = assert(io.open(diag_out, 'w'))
f:write(vim.json.encode(found))
f:close()

-- Fix-all on save, synchronously (an asynchronous code action would land
-- after the write), over the whole buffer, as VS Code and Helix ask.
vim.api.nvim_create_autocmd('BufWritePre', {
  buffer = buf,
  callback = function()
    local last = vim.api.nvim_buf_line_count(buf)
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(buf) },
      range = { start = { line = 0, character = 0 }, ['end'] = { line = last, character = 0 } },
      context = { only = { 'source.fixAll.dfix' }, diagnostics = {} },
    }
    local reply = client:request_sync('textDocument/codeAction', params, 10000, buf)
    if not reply or reply.err then fail('codeAction: ' .. vim.inspect(reply)) end
    for _, action in ipairs(reply.result or {}) do
      if action.kind == 'source.fixAll.dfix' and action.edit then
        vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
      end
    end
  end,
})
vim.cmd.write()

client:stop()
vim.wait(5000, function() return client:is_stopped() end, 10)
io.stdout:write('diagnostics ' .. how .. '\n')
os.exit(0)
