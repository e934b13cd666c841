"""snipcheck's in-interpreter harness: analyzes and runs ONE snippet, reporting facts only.

Loaded once by the zygote (src/run/python/zygote.rs) into the embedded CPython; `main` runs in
each forked child, on a request shaped as `HarnessRequest` (src/run/protocol.rs). It never
judges a claim: it reports what the code looks like (statements and their comments, found with
`ast` and `tokenize`) and what each top-level statement printed, returned and raised. Every
record (`Record` there) is one JSON line written to the result fd as soon as it is known, so a
snippet killed mid-run still leaves the records of the statements that completed.

Semantics are those of `python3 file.py`: the whole block is compiled as ONE module (so
constants are shared exactly as in a script), with `__name__ == "__main__"`. To attribute output
to statements and to keep going after an error, each top-level statement is wrapped in
`try/except BaseException` by an AST rewrite before that single compile. Line numbers are moved
to Markdown lines before compiling, so tracebacks point into the notes. A block of more than
`CHUNK` top-level statements is compiled in parts that share their constants as that one code
object would (the compiler's memory grows steeply with the try blocks of one code object).
"""

import __future__
import ast
import builtins
import codeop
import io
import json
import linecache
import os
import sys
import tokenize
import traceback

# The builtins as they were when the harness loaded (in the zygote). The harness's own names
# resolve to these (a snippet that rebinds `builtins.len` cannot break it), and the hooks put
# them back while they work, so the stdlib code they call (traceback, json) is not poisoned
# either; the snippet's own builtins are restored before its next statement.
_BUILTINS = builtins.__dict__
_PRISTINE = dict(_BUILTINS)
globals().update({name: value for name, value in _PRISTINE.items() if not name.startswith("__")})
_extract_tb = traceback.extract_tb
_exc_info = sys.exc_info
_format_exception = traceback.format_exception

# The name the rewritten module calls the hooks by; random per child (set in `main`), so a
# snippet's own names cannot shadow it by accident.
_HOOK = "__snipcheck__"


def _guard():
    saved = dict(_BUILTINS)
    _BUILTINS.update(_PRISTINE)
    return saved


def _unguard(saved):
    _BUILTINS.clear()
    _BUILTINS.update(saved)


# Bounds on what one record may carry, so a hostile snippet cannot make the report huge.
MAX_REPR = 10_000
MAX_MESSAGE = 2_000
MAX_TRACEBACK = 8_000
MAX_TB_FRAMES = 30
MAX_STREAM = 1 << 20

# Bound when the harness loads (in the zygote, before any snippet code), so a snippet that
# rebinds `os.write` or `json.dumps` cannot make the harness write what it wants.
_write = os.write
_ENCODER = json.JSONEncoder(ensure_ascii=False)
_dumps = _ENCODER.encode
_fstat = os.fstat
_exit = os._exit
_result_fd = None
# The result channel as the child received it (device, inode), checked before every record.
_channel = None

# The exit status of a child whose result channel was closed or replaced by the snippet: the
# runner reports the run as tampered, never as the clean run its truncated transcript would
# look like (`run::protocol::CHANNEL_LOST_STATUS`).
CHANNEL_LOST = 72
# The exit status of a child whose snippet changed the harness's own code or names, or hooked
# into its work (a trace or profile function, an audit hook): `verify` and `_audit` below,
# `run::protocol::TAMPERED_STATUS`.
TAMPERED = 73


def emit(record, _verify=None):
    if _verify is not None:
        _verify()
    data = _dumps(record).encode("utf-8", "backslashreplace") + b"\n"
    try:
        stat = _fstat(_result_fd)
    except OSError:
        _exit(CHANNEL_LOST)  # closed
    if _channel is not None and (stat.st_dev, stat.st_ino) != _channel:
        _exit(CHANNEL_LOST)  # another file put in its place (dup2)
    view = memoryview(data)
    while view:
        try:
            written = _write(_result_fd, view)
        except InterruptedError:
            continue
        except OSError:
            _exit(CHANNEL_LOST)
        view = view[written:]


# ---------------------------------------------------------------------------------------------
# Analysis: statements and comments, from CPython's own parser and tokenizer.
# ---------------------------------------------------------------------------------------------


def statement_kind(node):
    if isinstance(node, ast.Expr):
        value = node.value
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "print"
        ):
            return "print"
        return "expression"
    compound = (
        ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.For, ast.AsyncFor,
        ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try,
    )
    # `match` (3.10) and `try`/`except*` (3.11) by name: the harness runs on 3.9 too.
    if isinstance(node, compound) or type(node).__name__ in ("Match", "TryStar"):
        return "compound"
    return "simple"


def comment_lines(source):
    """Maps each source line (1-based, block-relative) to (column, text) of its comment, and
    returns the set of lines that carry code tokens."""
    comments = {}
    code_lines = set()
    ignorable = {
        tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
        tokenize.ENDMARKER,
    }
    if "#" not in source:
        return comments, code_lines
    readline = io.StringIO(source).readline
    for tok in tokenize.generate_tokens(readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = (tok.start[1], tok.string)
        elif tok.type not in ignorable:
            for line in range(tok.start[0], tok.end[0] + 1):
                code_lines.add(line)
    return comments, code_lines


def analyze(source, offset):
    """Returns (tree, statements) with line numbers moved by `offset`; raises SyntaxError."""
    tree = ast.parse(source, mode="exec")
    comments, code_lines = comment_lines(source)
    lines = source.split("\n")
    body = tree.body
    statements = []
    for index, node in enumerate(body):
        kind = statement_kind(node)
        end = node.end_lineno
        shares_line = index + 1 < len(body) and body[index + 1].lineno == end
        trailing = None
        below = []
        if kind != "compound" and not shares_line:
            run = comments_below(end, comments, code_lines, offset)
            if end in comments and not (run and is_output_marker(run[0]["text"])):
                col, text = comments[end]
                trailing = {"line": end + offset, "text": text}
            else:
                # `#>` lines below win over a trailing remark (`print(m)  # no context`).
                below = run
        elif kind == "compound" and not shares_line:
            # After a loop or a with/if block only an explicit `# Output:` comment run claims
            # the whole statement's output; any other comment there is prose.
            line = end + 1
            while line in comments and line not in code_lines:
                col, text = comments[line]
                below.append({"line": line + offset, "text": text})
                line += 1
            if not below or not below[0]["text"].lstrip("#").strip().lower().startswith("output:"):
                below = []
        string_below = None
        if kind == "print" and trailing is None and not below and not shares_line:
            # A bare triple-quoted string right below a print is its output (pydantic's docs
            # write claims this way).
            after = body[index + 1] if index + 1 < len(body) else None
            if (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
                and after.lineno == end + 1
            ):
                import textwrap
                text = textwrap.dedent(after.value.value).strip("\n")
                string_below = {"line": after.lineno + offset, "text": text}
        statements.append({
            "index": index,
            "line": node.lineno + offset,
            "end_line": end + offset,
            "kind": kind,
            "source": "\n".join(lines[node.lineno - 1:end]),
            "trailing_comment": trailing,
            "comments_below": below,
            "string_below": string_below,
        })
    nested = {}
    for node, claim in nested_prints(body, comments, code_lines, offset):
        index = len(body) + len(nested)
        nested[id(node)] = index
        end = node.end_lineno
        statements.append({
            "index": index,
            "line": node.lineno + offset,
            "end_line": end + offset,
            "kind": "print",
            "source": "\n".join(lines[node.lineno - 1:end]).strip(),
            "trailing_comment": None,
            "comments_below": claim if isinstance(claim, list) else [],
            "string_below": claim if isinstance(claim, dict) else None,
            "nested": True,
        })
    tree.snipcheck_nested = nested
    ast.increment_lineno(tree, offset)
    return tree, statements


def is_output_marker(comment):
    """`#> …`: pytest-examples' mark of printed output."""
    return comment.startswith("#>")


def comments_below(end, comments, code_lines, offset):
    """The comment-only lines directly below line `end`."""
    run = []
    line = end + 1
    while line in comments and line not in code_lines:
        col, text = comments[line]
        run.append({"line": line + offset, "text": text})
        line += 1
    return run


def nested_prints(body, comments, code_lines, offset):
    """`print(...)` calls nested in compound statements (a `try` body, a `with` block, a
    loop) whose output the text states with explicit marks: `#>` lines below, or a bare
    triple-quoted string right below (pydantic's docs). Yields (node, claim): the `#>` run, or
    the string. Trailing comments on nested prints stay prose: they run any number of times."""
    for parent in body:
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(parent, field, None)
            if not isinstance(children, list) or isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)) and field != "body":
                continue
            statements = [c for c in children if isinstance(c, ast.stmt)]
            for position, node in enumerate(statements):
                if statement_kind(node) == "print":
                    end = node.end_lineno
                    run = comments_below(end, comments, code_lines, offset)
                    if run and is_output_marker(run[0]["text"]) and end not in comments:
                        yield node, run
                        continue
                    after = statements[position + 1] if position + 1 < len(statements) else None
                    if (
                        end not in comments
                        and not run
                        and isinstance(after, ast.Expr)
                        and isinstance(after.value, ast.Constant)
                        and isinstance(after.value.value, str)
                        and after.lineno == end + 1
                    ):
                        import textwrap
                        text = textwrap.dedent(after.value.value).strip("\n")
                        yield node, {"line": after.lineno + offset, "text": text}
            # Handlers and match cases hold their statements one level down.
            for child in children:
                if isinstance(child, ast.ExceptHandler) or type(child).__name__ == "match_case":
                    yield from nested_prints([child], comments, code_lines, offset)
            yield from nested_prints(statements, comments, code_lines, offset)


# ---------------------------------------------------------------------------------------------
# Names: what each block of a document reads from the blocks before it (`namespace = "auto"`).
# ---------------------------------------------------------------------------------------------

# Names every module namespace has, and the REPL's `_`: never looked for in an earlier block.
_MODULE_NAMES = frozenset({
    "__name__", "__file__", "__doc__", "__builtins__", "__spec__", "__loader__",
    "__package__", "__annotations__", "__cached__", "__debug__", "_",
})


class _Names(ast.NodeVisitor):
    """Walks one module in evaluation order and sorts its names: `reads` are loaded at module
    level before this block binds them (so an earlier block must have bound them), `deferred`
    are globals that function bodies load (bound by the time they are called), `binds` are
    bound at module level, `mutates` are changed in place there (`x.append(1)`, `x[0] = 1`,
    `x.attr = 1`). Scopes follow Python's rules: parameters and names assigned in a function
    are its own unless declared `global`; a comprehension's targets are its own."""

    def __init__(self, offset):
        self.offset = offset
        self.reads = {}
        self.deferred = {}
        self.binds = set()
        self.mutates = set()
        self.star = False
        self.awaits = False
        self.scopes = []  # one set of local names per enclosing function or comprehension

    def load(self, name, line):
        if any(name in scope for scope in self.scopes):
            return
        if name in _MODULE_NAMES or name in _PRISTINE:
            return
        if self.functions:
            self.deferred.setdefault(name, line + self.offset)
        elif name not in self.binds:
            self.reads.setdefault(name, line + self.offset)

    functions = 0

    def store(self, name):
        if self.scopes:
            self.scopes[-1].add(name)
        else:
            self.binds.add(name)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            self.load(node.id, node.lineno)
        else:
            self.store(node.id)

    def root(self, node):
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    def target(self, node):
        """An assignment target: names are bound; an attribute or item changes its root."""
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            self.visit(node)  # the root and any index are loaded
            name = self.root(node)
            if name is not None and not self.scopes and name not in self.binds:
                self.mutates.add(name)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                self.target(element)
        elif isinstance(node, ast.Starred):
            self.target(node.value)
        else:
            self.visit(node)

    def visit_Assign(self, node):
        self.visit(node.value)
        for target in node.targets:
            self.target(target)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
        if not self.scopes:
            self.visit(node.annotation)
        if node.value is not None or not isinstance(node.target, ast.Name):
            self.target(node.target)

    def visit_AugAssign(self, node):
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.load(node.target.id, node.lineno)
            self.store(node.target.id)
        else:
            self.target(node.target)

    def visit_NamedExpr(self, node):
        self.visit(node.value)
        # An assignment expression in a comprehension binds in the enclosing scope.
        name = node.target.id
        functions = [scope for scope in self.scopes if not isinstance(scope, _Comprehension)]
        if functions:
            functions[-1].add(name)
        else:
            self.binds.add(name)

    def visit_Delete(self, node):
        for target in node.targets:
            self.target(target)

    def visit_For(self, node):
        if isinstance(node, ast.AsyncFor) and not self.functions:
            self.awaits = True
        self.visit(node.iter)
        self.target(node.target)
        for statement in node.body + node.orelse:
            self.visit(statement)

    visit_AsyncFor = visit_For

    def visit_With(self, node):
        if isinstance(node, ast.AsyncWith) and not self.functions:
            self.awaits = True
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.target(item.optional_vars)
        for statement in node.body:
            self.visit(statement)

    visit_AsyncWith = visit_With

    def visit_Import(self, node):
        for alias in node.names:
            self.store((alias.asname or alias.name).split(".")[0])

    def visit_ImportFrom(self, node):
        for alias in node.names:
            if alias.name == "*":
                self.star = True
            else:
                self.store(alias.asname or alias.name)

    def visit_Expr(self, node):
        # `x.append(1)` at module level changes `x` in place.
        value = node.value
        if isinstance(value, ast.Await):
            value = value.value
        if not self.scopes and isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            name = self.root(value.func.value)
            if name is not None and name not in self.binds:
                self.mutates.add(name)
        self.visit(node.value)

    def visit_Await(self, node):
        if not self.functions:
            self.awaits = True
        self.visit(node.value)

    def visit_Global(self, node):
        if self.scopes:
            self.scopes[-1].globals.update(node.names)

    def function(self, node, arguments, body):
        """A function's defaults and decorators run now; its body runs when it is called."""
        scope = _Scope()
        for argument in arguments.posonlyargs + arguments.args + arguments.kwonlyargs:
            scope.add(argument.arg)
        for argument in (arguments.vararg, arguments.kwarg):
            if argument is not None:
                scope.add(argument.arg)
        self.scopes.append(scope)
        self.functions += 1
        for statement in body:
            self.bind_first(statement, scope)
        for statement in body:
            self.visit(statement)
        self.functions -= 1
        self.scopes.pop()
        for name in scope.globals:
            scope.discard(name)
            if not self.scopes:
                self.mutates.add(name)

    def bind_first(self, node, scope):
        """The names a function assigns anywhere in its own body are its locals (Python decides
        this before the body runs)."""
        for child in ast.walk(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                scope.add(child.name)
            elif isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Load):
                scope.add(child.id)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                for alias in child.names:
                    scope.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(child, ast.Global):
                scope.globals.update(child.names)
        for name in scope.globals:
            scope.discard(name)

    def arguments(self, arguments):
        for default in arguments.defaults + [d for d in arguments.kw_defaults if d is not None]:
            self.visit(default)
        if not self.scopes:
            for argument in arguments.posonlyargs + arguments.args + arguments.kwonlyargs + [arguments.vararg, arguments.kwarg]:
                if argument is not None and argument.annotation is not None:
                    self.visit(argument.annotation)

    def visit_FunctionDef(self, node):
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.arguments(node.args)
        if node.returns is not None and not self.scopes:
            self.visit(node.returns)
        self.store(node.name)
        self.function(node, node.args, node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self.arguments(node.args)
        self.function(node, node.args, [node.body])

    def visit_ClassDef(self, node):
        for expression in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(expression)
        # The class body runs now, in a scope of its own that functions inside do not see.
        scope = _Comprehension()
        self.scopes.append(scope)
        for statement in node.body:
            self.visit(statement)
        self.scopes.pop()
        self.store(node.name)

    def comprehension(self, node, elements):
        generators = node.generators
        self.visit(generators[0].iter)
        scope = _Comprehension()
        self.scopes.append(scope)
        for index, generator in enumerate(generators):
            if index:
                self.visit(generator.iter)
            self.target(generator.target)
            for condition in generator.ifs:
                self.visit(condition)
        for element in elements:
            self.visit(element)
        self.scopes.pop()

    def visit_ListComp(self, node):
        self.comprehension(node, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        self.comprehension(node, [node.key, node.value])

    def visit_MatchAs(self, node):
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name is not None:
            self.store(node.name)

    def visit_MatchStar(self, node):
        if node.name is not None:
            self.store(node.name)

    def visit_MatchMapping(self, node):
        for key in node.keys:
            self.visit(key)
        for pattern in node.patterns:
            self.visit(pattern)
        if node.rest is not None:
            self.store(node.rest)

    def visit_ExceptHandler(self, node):
        if node.type is not None:
            self.visit(node.type)
        if node.name is not None:
            self.store(node.name)
        for statement in node.body:
            self.visit(statement)


class _Scope(set):
    """A function's local names, and the names it declares `global`."""

    def __init__(self):
        super().__init__()
        self.globals = set()


class _Comprehension(_Scope):
    """A comprehension's or a class body's own names."""


def session_examples(source, name="<session>"):
    """A session's examples as doctest parses them, except that an example the interactive
    interpreter would still be reading takes the lines after it as its own continuation, as the
    REPL did when the author typed them without `...` prompts (`>>> xs = [` then `    1,` and
    `]`): `codeop`, the REPL's own test, says when the statement is complete. Raises
    ValueError as doctest does."""
    import doctest
    import re
    parser = doctest.DocTestParser()
    # The REPL shows `>>> ` with its space; `>>>f(x)` is the author's typo of it.
    source = re.sub(r"(?m)^([ \t]*)>>>(?=[^\s>])", r"\1>>> ", source)
    examples = parser.get_examples(source, name)
    _orphan_errors(examples, source.split("\n"), parser)
    fixed = []
    for example in examples:
        if not example.want or _complete(example.source):
            fixed.append(example)
            continue
        want = example.want.splitlines(keepends=True)
        code = example.source
        for taken in range(1, len(want) + 1):
            code += want[taken - 1]
            # As the REPL reads lines (joined without the last newline); a compound statement
            # ends at an empty line, or where the next prompt starts: the author pressed Enter.
            if _complete(code[:-1] if code.endswith("\n") else code) or (
                taken == len(want) and _complete(code)
            ):
                rest = "".join(want[taken:])
                found = parser._EXCEPTION_RE.match(rest)
                merged = doctest.Example(
                    code, rest, found.group("msg") if found else None,
                    example.lineno, example.indent, example.options,
                )
                merged.continuation = taken
                fixed.append(merged)
                break
        else:
            fixed.append(example)
    return fixed


_EXCEPTION_LINE = None


def _orphan_errors(examples, lines, parser):
    """An example that shows no output, followed by a blank line and then an error display (a
    syntax error's `File "<stdin>", line 1` lines, a traceback, or its last line alone) before
    the next prompt: the REPL printed that display right under the example (it never prints a
    blank line there), so it is the example's expected output. doctest alone would read the
    display as prose. `gap` records the blank lines skipped, for the output's line."""
    import re
    global _EXCEPTION_LINE
    if _EXCEPTION_LINE is None:
        _EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Warning|Exit|Interrupt)\b(:.*)?$")
    for i, example in enumerate(examples):
        if example.want:
            continue
        end = example.lineno + example.source.count("\n")
        stop = examples[i + 1].lineno if i + 1 < len(examples) else len(lines)
        k = end
        while k < stop and not lines[k].strip():
            k += 1
        shown = [line for line in lines[k:stop]]
        while shown and not shown[-1].strip():
            shown.pop()
        if k == end or not shown:
            continue
        first, last = shown[0].strip(), shown[-1].strip()
        opens = first.startswith(("Traceback (most recent call last):", 'File "')) or len(shown) == 1
        if not (opens and _EXCEPTION_LINE.match(last)):
            continue
        indent = min(len(l) - len(l.lstrip()) for l in shown if l.strip())
        want = "".join(l[indent:] + "\n" for l in shown)
        found = parser._EXCEPTION_RE.match(want)
        example.want = want
        example.exc_msg = found.group("msg") if found else None
        example.gap = k - end


def _complete(code):
    """The REPL's test: the statement is complete (or a syntax error: nothing more helps)."""
    try:
        return codeop.compile_command(code, "<session>", "single") is not None
    except (SyntaxError, ValueError, OverflowError):
        return True


def block_names(cell):
    """What one block reads from earlier blocks, binds and changes in place (see `_Names`),
    with the Markdown line of each read, for `namespace = "auto"`. Nothing runs: the block is
    only parsed. A session is read example by example, in order; a block that does not parse
    reads and binds nothing."""
    offset = cell["first_line"] - 1
    names = _Names(offset)
    if cell.get("interactive"):
        import doctest
        try:
            examples = session_examples(cell["code"])
        except ValueError:
            examples = []
        parts = [(example.source, example.lineno) for example in examples]
    else:
        parts = [(cell["code"], 0)]
    for source, line in parts:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        names.offset = offset + line
        try:
            for statement in tree.body:
                names.visit(statement)
        except RecursionError:
            continue
    if names.awaits:
        # A block with top-level `await` runs as `python -m asyncio` runs it: `asyncio` is there.
        names.reads.pop("asyncio", None)
    # A function's globals that the block binds itself are bound by the time it calls them.
    deferred = {name: line for name, line in names.deferred.items() if name not in names.binds}
    return {
        "reads": sorted(names.reads.items(), key=lambda item: (item[1], item[0])),
        "deferred": sorted(deferred.items(), key=lambda item: (item[1], item[0])),
        "binds": sorted(names.binds),
        "mutates": sorted(names.mutates - names.binds),
        "star": names.star,
    }


# ---------------------------------------------------------------------------------------------
# Capture: per-statement stdout and stderr.
# ---------------------------------------------------------------------------------------------


class _Sink(io.RawIOBase):
    """Raw byte sink for one stream; appends to the current statement's buffer."""

    def __init__(self, fd):
        self._fd = fd
        self.chunks = []
        self.size = 0
        self.truncated = False

    def writable(self):
        return True

    def fileno(self):
        return self._fd

    def write(self, data):
        n = len(data)
        room = MAX_STREAM - self.size
        if room > 0:
            self.chunks.append(bytes(data[:room]))
            self.size += min(n, room)
        if n > room:
            self.truncated = True
            raise OutputLimitExceeded(f"the snippet wrote more than {MAX_STREAM} bytes")
        return n

    def take(self):
        data = b"".join(self.chunks)
        self.chunks = []
        return data.decode("utf-8", "backslashreplace")


def _stream(sink, errors):
    return io.TextIOWrapper(
        io.BufferedWriter(sink), encoding="utf-8", errors=errors,
        line_buffering=False, write_through=True,
    )


# ---------------------------------------------------------------------------------------------
# Guards: the runner never lets snippet-defined __repr__/__str__ escape unbounded.
# ---------------------------------------------------------------------------------------------


def bounded(text, limit):
    if len(text) > limit:
        return text[:limit] + f"… [{len(text) - limit} more characters]"
    return text


class OutputLimitExceeded(BaseException):
    """Raised into the snippet when it writes past the output cap; ends the snippet."""


class _GuardTimeout(BaseException):
    """Raised by the alarm that bounds a snippet-defined __repr__/__str__."""


GUARD_SECONDS = 1.0


def guarded(function, value):
    """Calls a snippet-defined method (repr, str) under a wall-clock alarm, so one that loops
    in Python code cannot hang the harness; a C-level loop is left to the runner's SIGKILL."""
    import signal

    def on_alarm(signum, frame):
        raise _GuardTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, GUARD_SECONDS)
    try:
        return function(value)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def safe_repr(value):
    try:
        return bounded(guarded(repr, value), MAX_REPR)
    except _GuardTimeout:
        return f"<repr() took longer than {GUARD_SECONDS} s>"
    except BaseException as exc:  # a snippet's __repr__ may raise anything
        return f"<repr() raised {type(exc).__name__}>"


def safe_str(value):
    try:
        return bounded(guarded(str, value), MAX_MESSAGE)
    except _GuardTimeout:
        return f"<str() took longer than {GUARD_SECONDS} s>"
    except BaseException as exc:
        return f"<str() raised {type(exc).__name__}>"


def exception_name(exc_type):
    module = getattr(exc_type, "__module__", "builtins")
    name = getattr(exc_type, "__qualname__", exc_type.__name__)
    if module in ("builtins", "__main__"):
        return name
    return f"{module}.{name}"


_PROCESS_WORDS = ("fork", "spawn", "system", "exec", "popen", "Popen", "Process(", "subprocess")


def blocked_reason(exc):
    """What the sandbox denied, when `exc` is a permission error or a failed name lookup.

    Inside the sandbox the snippet owns everything in its scratch dir, so a permission error
    is the sandbox's doing; the answer names what was denied as precisely as the error allows.
    """
    import errno
    if type(exc).__name__ == "gaierror" and type(exc).__module__ == "socket":
        return "network"
    if not isinstance(exc, OSError) or exc.errno not in (errno.EPERM, errno.EACCES, errno.EROFS):
        return None
    frames = _extract_tb(exc.__traceback__)
    files = {os.path.basename(frame.filename) for frame in frames}
    last_line = (frames[-1].line or "") if frames else ""
    if files & {"socket.py", "selectors.py", "ssl.py"} or "socket" in last_line:
        return "network"
    if files & {"subprocess.py", "popen_fork.py", "popen_spawn_posix.py", "pty.py"}:
        return "process creation"
    if any(word in last_line for word in _PROCESS_WORDS):
        return "process creation"
    if "kill" in last_line:
        return "signal"
    scratch = os.getcwd()

    def inside(path):
        return path == scratch or path.startswith(scratch + os.sep)

    for name in (getattr(exc, "filename", None), getattr(exc, "filename2", None)):
        if isinstance(name, (str, bytes)):
            path = os.path.abspath(os.fsdecode(name))
            if inside(path):
                path = os.path.realpath(path)  # a symlink in scratch may point outside
            if not inside(path):
                return f"access outside scratch ({path})"
    if exc.errno == errno.EROFS:
        return "access outside scratch (every mount but the scratch dir is read-only)"
    return "a system call denied by the sandbox"


def exception_facts(exc, filename):
    try:
        return _exception_facts(exc, filename)
    except BaseException as failure:  # a snippet may have broken what formatting relies on
        return {
            "type": exception_name(type(exc)),
            "mro": [],
            "message": f"<could not describe the exception: {type(failure).__name__}>",
            "line": None,
            "traceback": "",
            "blocked": None,
        }


def _exception_facts(exc, filename):
    tb = exc.__traceback__
    line = None
    frames = _extract_tb(tb, limit=None)
    for frame in frames:
        if frame.filename == filename:
            line = frame.lineno
    if isinstance(exc, SyntaxError) and exc.filename == filename and exc.lineno:
        line = exc.lineno
    try:
        text = "".join(_format_exception(type(exc), exc, tb, limit=MAX_TB_FRAMES))
    except BaseException as fmt_exc:
        text = f"<traceback formatting raised {type(fmt_exc).__name__}>"
    return {
        "type": exception_name(type(exc)),
        "mro": [exception_name(t) for t in type(exc).__mro__ if isinstance(t, type)],
        # A syntax error's message as its traceback shows it (`invalid syntax`), without the
        # `(file, line N)` that str() adds.
        "message": exc.msg if isinstance(exc, SyntaxError) and isinstance(exc.msg, str) else safe_str(exc),
        "line": line,
        "traceback": bounded(text, MAX_TRACEBACK),
        "blocked": blocked_reason(exc),
    }


# ---------------------------------------------------------------------------------------------
# Execution.
# ---------------------------------------------------------------------------------------------


class _Stop(BaseException):
    """Raised by the hooks to end the module (after SystemExit), never seen by the snippet."""


class Hooks:
    """Called by the rewritten module around each top-level statement."""

    # What the rewritten `except` catches, bound here so a snippet that rebinds the name
    # `BaseException` cannot change it.
    BaseException = BaseException

    def __init__(self, statements, filename, out_sink, err_sink, silent=False):
        self.statements = statements
        self.silent = silent
        self.filename = filename
        self.out = out_sink
        self.err = err_sink
        self.current = None
        self.value = None
        self.exception = None
        self.failed = False
        self.exit_code = None
        self.top_level_await = False
        self.output_limited = False
        self.nesting = []
        self.nested_output = {}

    def nest(self, index, line):
        flush_streams()
        self.nesting.append(len(self.out.chunks))

    def unnest(self, index, line):
        flush_streams()
        start = self.nesting.pop() if self.nesting else len(self.out.chunks)
        own = (
            index < len(self.statements)
            and self.statements[index].get("nested")
            and self.statements[index]["line"] == line
        )
        if own and not self.silent:
            printed = b"".join(self.out.chunks[start:]).decode("utf-8", "backslashreplace")
            self.nested_output[index] = self.nested_output.get(index, "") + printed

    def emit_nested(self):
        """The nested prints' records, after the module ran (their output is also part of
        the top-level statement that ran them)."""
        if self.silent:
            return
        for index in sorted(self.nested_output):
            emit({
                "event": "statement",
                "index": index,
                "line": self.statements[index]["line"],
                "stdout": self.nested_output[index],
                "stderr": "",
                "value": None,
                "exception": None,
                "after_error": False,
            })

    def enter(self, index):
        self.current = index
        self.value = None
        self.exception = None

    def record_value(self, index, value):
        if value is not None:
            self.value = safe_repr(value)
        return value

    def record_target(self, index, value):
        saved = _guard()
        try:
            self.value = safe_repr(value)
        finally:
            _unguard(saved)

    def raised(self, index):
        saved = _guard()
        try:
            self._raised(index)
        finally:
            _unguard(saved)

    def leave(self, index, exited=False):
        saved = _guard()
        try:
            self._leave(index, exited)
        finally:
            _unguard(saved)

    def _raised(self, index):
        exc = _exc_info()[1]
        if isinstance(exc, OutputLimitExceeded):
            self.output_limited = True
            self.exception = exception_facts(exc, self.filename)
            self._leave(index)
            emit({"event": "output-limit", "bytes": MAX_STREAM})
            raise _Stop()
        if isinstance(exc, SystemExit):
            code = exc.code
            self.exit_code = code if isinstance(code, int) or code is None else safe_str(code)
            self._leave(index, exited=True)
            raise _Stop()
        self.exception = exception_facts(exc, self.filename)

    def _leave(self, index, exited=False):
        flush_streams()
        if self.silent:
            self.out.take()
            self.err.take()
            self.current = None
            return
        record = {
            "event": "statement",
            "index": index,
            "line": self.statements[index]["line"],
            "stdout": self.out.take(),
            "stderr": self.err.take(),
            "value": self.value,
            "exception": self.exception,
            "after_error": self.failed,
        }
        if exited:
            record["exit_code"] = self.exit_code
        emit(record)
        if self.exception is not None:
            self.failed = True
        self.current = None


def flush_streams():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def rewrite(tree):
    """Wraps every top-level statement: enter; try: stmt except BaseException: raised; leave.

    `from __future__` imports and a module docstring stay first and unwrapped, as the compiler
    requires; they are still reported as statements."""
    wrap_nested(tree)
    tree.body = [part for index, node in enumerate(tree.body) for part in wrap(index, node)]
    return tree


def _call(attr, *args):
    func = ast.Attribute(value=ast.Name(id=_HOOK, ctx=ast.Load()), attr=attr, ctx=ast.Load())
    return ast.Expr(value=ast.Call(func=func, args=list(args), keywords=[]))


def wrap_nested(tree):
    """nest(i); try: print(...) finally: unnest(i) around each nested print that has a claim
    below it: the print's own output, each time it runs."""
    nested = getattr(tree, "snipcheck_nested", {})
    if not nested:
        return

    class WrapNested(ast.NodeTransformer):
        def visit_Expr(self, node):
            index = nested.get(id(node))
            if index is None:
                return node
            # The line tells this block's print from another's (a function defined in an
            # earlier block of a shared namespace runs under this block's hooks).
            line = ast.Constant(node.lineno)
            wrapped = ast.Try(body=[node], handlers=[], orelse=[], finalbody=[_call("unnest", ast.Constant(index), line)])
            parts = [_call("nest", ast.Constant(index), line), wrapped]
            for part in parts:
                locate(part, node, {id(node)})
            return parts

    for top in tree.body:
        WrapNested().generic_visit(top)


def wrap(index, node):
    """The statements that replace top-level statement `index` (`node`): itself for a
    `from __future__` import or the module docstring, else enter; try/except; leave."""
    is_future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
    is_doc = index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    if is_future or is_doc:
        return [node]
    stmt = node
    originals = {id(node)}
    body = [stmt]
    if isinstance(node, ast.Expr):
        func = ast.Attribute(value=ast.Name(id=_HOOK, ctx=ast.Load()), attr="record_value", ctx=ast.Load())
        body = [ast.Expr(value=ast.Call(func=func, args=[ast.Constant(index), node.value], keywords=[]))]
        originals.add(id(node.value))
    target = assigned_name(node)
    if target is not None:
        # The value the assignment bound, for a comment that states it (`c = word[0]  # 'w'`).
        body.append(_call("record_target", ast.Constant(index), ast.Name(id=target, ctx=ast.Load())))
    handler = ast.ExceptHandler(type=ast.Attribute(value=ast.Name(id=_HOOK, ctx=ast.Load()), attr="BaseException", ctx=ast.Load()), name=None, body=[_call("raised", ast.Constant(index))])
    wrapped = ast.Try(body=body, handlers=[handler], orelse=[], finalbody=[])
    parts = [_call("enter", ast.Constant(index)), wrapped, _call("leave", ast.Constant(index))]
    for part in parts:
        locate(part, node, originals)
    return parts


def assigned_name(node):
    """The one name a simple assignment binds (`x = ...`, `x: int = ...`, `x += ...`), else
    None."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(node.target, ast.Name):
        if isinstance(node, ast.AnnAssign) and node.value is None:
            return None
        return node.target.id
    return None


def locate(new, origin, originals):
    """Gives the harness's own nodes under `new` the location of `origin`, leaving the
    snippet's nodes (`originals`, by id) and everything under them as they are: what
    `ast.fix_missing_locations` does, without walking the whole snippet again."""
    stack = [new]
    while stack:
        node = stack.pop()
        if id(node) in originals:
            continue
        if "lineno" in node._attributes:
            node.lineno = origin.lineno
            node.col_offset = origin.col_offset
            node.end_lineno = origin.end_lineno
            node.end_col_offset = origin.end_col_offset
        stack.extend(ast.iter_child_nodes(node))


def register_source(filename, source, offset):
    """Lets tracebacks show the code lines at their Markdown line numbers, without the rest of
    the document ever entering this process. The blocks of a chain add up: a function defined
    in an earlier block shows its own lines when a later one calls it."""
    known = linecache.cache.get(filename)
    lines = list(known[2]) if known else []
    block = [line + "\n" for line in source.split("\n")]
    if len(lines) < offset + len(block):
        lines.extend([""] * (offset + len(block) - len(lines)))
    lines[offset:offset + len(block)] = block
    linecache.cache[filename] = (len("".join(lines)), None, lines, filename)


def run_prelude(prelude, namespace):
    if not prelude:
        return None
    try:
        code = compile(prelude, "<snipcheck.toml prelude>", "exec", dont_inherit=True)
        exec(code, namespace)
    except BaseException as exc:
        return exception_facts(exc, "<snipcheck.toml prelude>")
    return None


# Top-level statements compiled into one code object at most. CPython's compiler needs about
# 16 KB per wrapped statement while it compiles one code object (the try blocks), so a block of
# 50,000 statements compiled whole needs over 800 MB where `python3 file.py` needs 55; compiled
# in parts of this size it stays small and linear. Blocks this short or shorter (every block of
# ordinary notes) are still one code object.
CHUNK = 500

_FUTURE_FLAGS = 0
for _name in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _name).compiler_flag


def compile_module(tree, filename):
    """The rewritten module, compiled: one code object, or, for a block of more than `CHUNK`
    statements, consecutive parts that share their constants as one module's code object
    would (so `a = 257` ... `b = 257`, `a is b` still holds across parts) and the part's
    `from __future__` flags. Raises SyntaxError for what only the compiler rejects (`return`
    outside a function, `from __future__ import braces`, ...), as `python3 file.py` would before
    running anything."""
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    if len(tree.body) <= CHUNK:
        return [compile(rewrite(tree), filename, "exec", flags=flags, dont_inherit=True)]
    wrap_nested(tree)
    statements = tree.body
    parts = []
    constants = {}
    for start in range(0, len(statements), CHUNK):
        # Each part's wrapping is built, compiled and dropped before the next one's.
        body = [
            part
            for index in range(start, min(start + CHUNK, len(statements)))
            for part in wrap(index, statements[index])
        ]
        code = compile(ast.Module(body=body, type_ignores=[]), filename, "exec", flags=flags, dont_inherit=True)
        del body
        # `from __future__` imports sit in the first part and hold for the whole module.
        flags |= code.co_flags & _FUTURE_FLAGS
        parts.append(_merge_constants(code, constants))
    return parts


def _constant_key(value):
    """Which constants a compiler merges into one object: equal values of the same type
    (`1`, `1.0` and `True` stay apart, and so do `0.0` and `-0.0`)."""
    kind = type(value)
    if kind in (float, complex):
        return (kind, repr(value))
    if kind is tuple:
        return (kind, tuple(_constant_key(item) for item in value))
    if kind is frozenset:
        return (kind, frozenset(_constant_key(item) for item in value))
    return (kind, value)


def _merge_constants(code, seen):
    """`code` with each constant (nested code objects' too) replaced by the first equal one
    already in `seen`, as one compilation of the whole module would have shared them."""
    merged = []
    for value in code.co_consts:
        if isinstance(value, type(code)):
            merged.append(_merge_constants(value, seen))
            continue
        try:
            key = _constant_key(value)
            merged.append(seen.setdefault(key, value))
        except TypeError:
            merged.append(value)
    return code.replace(co_consts=tuple(merged))


def unparsable(exc, line_offset, source, offset):
    """Reports a block that is not valid Python 3 (its first SyntaxError), with the trailing
    comments tokenize can still find in it (a cheat-sheet's `<list> = [...]  # Returns [1,
    2]` states values even where the code is notation)."""
    line = (exc.lineno or 1) + line_offset
    emit({
        "event": "unparsable",
        "error": {"type": type(exc).__name__, "mro": [t.__name__ for t in type(exc).__mro__], "message": exc.msg, "line": line, "traceback": ""},
        "comments": trailing_comments(source, offset),
    })


def trailing_comments(source, offset):
    """Comments at the end of a code line, as far as tokenize gets through the source."""
    found = []
    code_lines = set()
    ignorable = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                if tok.start[0] in code_lines:
                    found.append({"line": tok.start[0] + offset, "text": tok.string})
            elif tok.type not in ignorable:
                code_lines.update(range(tok.start[0], tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass
    return found


def execute(parts, namespace, hooks):
    """Runs the compiled module (its parts in order); returns "exit" if it called sys.exit()."""
    setattr(builtins, _HOOK, hooks)
    hooks.top_level_await = any(code.co_flags & 0x80 for code in parts)  # CO_COROUTINE
    try:
        if hooks.top_level_await:
            # As `python -m asyncio` does: `asyncio` is pre-imported and one loop runs it all.
            import asyncio
            namespace.setdefault("asyncio", asyncio)
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            for code in parts:
                if code.co_flags & 0x80:
                    loop.run_until_complete(eval(code, namespace))
                else:
                    exec(code, namespace)
        else:
            for code in parts:
                exec(code, namespace)
    except _Stop:
        return "exit"
    finally:
        if hasattr(builtins, _HOOK):
            delattr(builtins, _HOOK)
    return None


def write_files(files):
    """Creates the configured fixture files in the scratch dir (the cwd)."""
    for name, content in sorted((files or {}).items()):
        directory = os.path.dirname(name)
        if directory:
            os.makedirs(directory, exist_ok=True)
        with open(name, "w", encoding="utf-8") as handle:
            handle.write(content)


def main(request_json, result_fd):
    global _result_fd, _HOOK, _channel
    _result_fd = result_fd
    stat = _fstat(result_fd)
    _channel = (stat.st_dev, stat.st_ino)
    _HOOK = f"__snipcheck_{os.urandom(6).hex()}__"
    request = json.loads(request_json)
    scratch = os.getcwd()
    os.environ["HOME"] = scratch
    os.environ["TMPDIR"] = scratch
    filename = request["path"]
    emit({"event": "start", "python": sys.version.split()[0], "implementation": sys.implementation.name})
    if request.get("names") is not None:
        emit({"event": "names", "blocks": [block_names(cell) for cell in request["names"]]})
        return
    namespace = set_up(filename, request.get("venv"))
    for index, step in enumerate(request["steps"]):
        # The runner's clock and output cap start over for each step at this marker.
        emit({"event": "step", "index": index})
        write_files(step.get("files"))
        if step.get("silent"):
            replay(step, filename, namespace)
        elif step.get("interactive"):
            run_session(step, filename, namespace)
        else:
            run_script(step, filename, namespace)


def run_script(step, filename, namespace):
    """One block as `python3 file.py` runs it (in the chain's namespace, after the blocks
    before it): its analysis, prelude, statements and end."""
    source = step["code"]
    offset = step["first_line"] - 1
    try:
        tree, statements = analyze(source, offset)
    except SyntaxError as exc:
        unparsable(exc, offset, source, offset)
        return
    try:
        code = compile_module(tree, filename)
    except SyntaxError as exc:
        # The tree's line numbers are Markdown lines already.
        unparsable(exc, 0, source, offset)
        return
    del tree  # the code is all that runs: the syntax tree's memory goes back
    emit({"event": "analysis", "statements": statements})

    out_sink, err_sink = capture()
    hooks = Hooks(statements, filename, out_sink, err_sink)
    if not prelude(step, namespace, out_sink, err_sink):
        return
    register_source(filename, source, offset)
    stopped = execute(code, namespace, hooks)
    if stopped is None:
        hooks.emit_nested()
    if stopped is not None and not hooks.output_limited:
        emit({"event": "exit", "code": hooks.exit_code})
    finish(filename, out_sink, err_sink, hooks.top_level_await)


def replay(step, filename, namespace):
    """An earlier block this chain's blocks build on, run silently in the same namespace
    (notebook-like: `continue`, a shared or automatic `namespace`); its own run reports it. A
    script runs as a script, a session example by example as the REPL does; its output goes to
    streams of its own, so it never counts towards a later block's output cap or claims."""
    out_sink, err_sink = capture()
    run_prelude(step.get("prelude"), namespace)
    flush_streams()
    out_sink.take()
    err_sink.take()
    offset = step["first_line"] - 1
    if step.get("interactive"):
        run_session_silently(step, filename, namespace, out_sink, err_sink)
        return
    try:
        tree, statements = analyze(step["code"], offset)
        code = compile_module(tree, filename)
    except SyntaxError:
        return
    register_source(filename, step["code"], offset)
    silent = Hooks(statements, filename, out_sink, err_sink, silent=True)
    execute(code, namespace, silent)


# The Markdown line of each example of each session run in this process, by the name doctest
# gives its examples' code (`<doctest snippet12[3]>`): a function a session of an earlier block
# of the chain defined keeps its own lines in a later block's traceback.
_SESSIONS = {}


def session_traceback(text, filename):
    """A session's traceback as the notes' reader needs it: doctest's own frames dropped, and
    each example's frame (`<doctest snippet12[3]>`) at its Markdown path and line."""
    import re
    frame = re.compile(r'^  File "(?P<path>[^"]*)", line (?P<line>\d+)(?P<rest>.*)$')
    example = re.compile(r"^<doctest (?P<name>snippet\d+)\[(?P<index>\d+)\]>$")
    out = []
    skipping = False
    for line in text.split("\n"):
        found = frame.match(line)
        if found:
            path = found.group("path")
            # doctest's frames, and the harness's own (the REPL-like compile).
            skipping = path.endswith(os.sep + "doctest.py") or path == session_traceback.__code__.co_filename
            if skipping:
                continue
            which = example.match(path)
            lines = _SESSIONS.get(which.group("name"), []) if which else []
            if which and int(which.group("index")) < len(lines):
                markdown = lines[int(which.group("index"))] + int(found.group("line")) - 1
                line = f'  File "{filename}", line {markdown}{found.group("rest")}'
        elif skipping and line.startswith("    "):
            continue
        else:
            skipping = False
        out.append(line)
    return "\n".join(out)


def run_session_silently(cell, filename, namespace, out_sink, err_sink):
    """An earlier session's examples, each compiled in 'single' mode and run in `namespace`,
    their output discarded and their exceptions ignored (as a reader replaying the session
    would see them, then read on)."""
    import doctest
    try:
        examples = session_examples(cell["code"], filename)
    except ValueError:
        return
    offset = cell["first_line"] - 1
    for example in examples:
        padded = "\n" * (offset + example.lineno) + example.source
        try:
            code = compile(padded, filename, "single", dont_inherit=True)
            exec(code, namespace)
        except Hooks.BaseException:
            pass
        flush_streams()
        out_sink.take()
        err_sink.take()


def set_up(filename, venv=None):
    """The process as `python3 file.py` would have it: argv, sys.path[0], the venv's
    site-packages, and `__main__` as the namespace."""
    sys.argv = [filename]
    sys.path.insert(0, os.getcwd())
    use_venv(venv)
    import __main__
    namespace = __main__.__dict__
    namespace["__file__"] = filename
    namespace["__cached__"] = None
    return namespace


def capture():
    """Fresh capture streams for one block: its output cap counts its own output only."""
    out_sink = _Sink(1)
    err_sink = _Sink(2)
    sys.stdout = _stream(out_sink, "strict")
    sys.stderr = _stream(err_sink, "backslashreplace")
    return out_sink, err_sink


def use_venv(venv):
    """`sys.path` as `python file.py` run by the venv's interpreter has it: the system's
    site-packages replaced by the venv's (kept too with include-system-site-packages), its
    `.pth` files processed. Runs in the sandboxed child only, so `.pth` code never runs
    outside it."""
    if not venv:
        return
    import site
    if not venv["system_site_packages"]:
        system = set(site.getsitepackages())
        sys.path[:] = [p for p in sys.path if p not in system]
    sys.prefix = sys.exec_prefix = venv["root"]
    site.addsitedir(venv["site_packages"])


def prelude(request, namespace, out_sink, err_sink):
    """Runs the configured prelude and reports it; False when it raised."""
    prelude_error = run_prelude(request.get("prelude"), namespace)
    flush_streams()
    prelude_out, prelude_err = out_sink.take(), err_sink.take()
    emit({"event": "prelude", "stdout": prelude_out, "stderr": prelude_err, "error": prelude_error})
    return prelude_error is None


def finish(filename, out_sink, err_sink, top_level_await):
    # What a script does as it ends: join non-daemon threads, run atexit handlers. The
    # harness's own builtins come back first, so a snippet that poisoned them cannot break
    # the end of its own report.
    _guard()
    epilogue_error = None
    try:
        import threading
        threading._shutdown()
        import atexit
        atexit._run_exitfuncs()
    except BaseException as exc:
        epilogue_error = exception_facts(exc, filename)
    flush_streams()
    emit({
        "event": "end",
        "top_level_await": top_level_await,
        "epilogue_stdout": out_sink.take(),
        "epilogue_stderr": err_sink.take(),
        "epilogue_error": epilogue_error,
        "truncated": out_sink.truncated or err_sink.truncated,
    })


def run_session(step, filename, namespace):
    """An interactive session (`>>>` prompts) with the interactive interpreter's semantics,
    run by CPython's own doctest: each example compiled on its own in 'single' mode (so
    expression values echo, and `a = 257` / `b = 257` / `a is b` is False, as in the REPL),
    expected output up to the next prompt or blank line, tracebacks and option comments
    (+ELLIPSIS, +NORMALIZE_WHITESPACE, +IGNORE_EXCEPTION_DETAIL, +SKIP) exactly as doctest
    treats them. Each example's verdict is doctest's own."""
    import doctest
    source = step["code"]
    offset = step["first_line"] - 1
    try:
        examples = session_examples(source, filename)
    except ValueError as exc:
        import re
        found = re.search(r"line (\d+)", str(exc))
        line = offset + int(found.group(1)) + 1 if found else offset + 1
        emit({
            "event": "unparsable",
            "error": {"type": "ValueError", "mro": ["ValueError", "Exception", "BaseException", "object"], "message": str(exc), "line": line, "traceback": ""},
        })
        return
    statements = []
    source_lines = source.split("\n")
    for index, example in enumerate(examples):
        text = example.source.rstrip("\n")
        first = offset + example.lineno + 1
        # The expected output starts after the prompt line and every `...` continuation,
        # including a bare `...` that doctest drops from the example's source.
        after = example.lineno + 1
        while after < len(source_lines) and source_lines[after].lstrip().startswith("..."):
            after += 1
        # Lines the REPL read as the statement's continuation (`session_examples`), and the
        # blank lines before an error display shown under the example.
        after += getattr(example, "continuation", 0)
        gap = getattr(example, "gap", 0)
        lines = after - example.lineno
        statements.append({
            "index": index,
            "line": first,
            "end_line": first + lines - 1,
            "kind": "example",
            "source": text,
            "trailing_comment": None,
            "comments_below": [],
            "example": {
                "want": example.want,
                "want_line": first + lines + gap,
                "exception": example.exc_msg,
                "skip": bool(example.options.get(doctest.SKIP)),
            },
        })
    emit({"event": "analysis", "statements": statements})
    out_sink, err_sink = capture()
    if not prelude(step, namespace, out_sink, err_sink):
        return

    class SessionRunner(doctest.DocTestRunner):
        def record(self, example, got, verdict, exception=None):
            index = next(i for i, e in enumerate(examples) if e is example)
            flush_streams()
            out_sink.take()
            emit({
                "event": "statement",
                "index": index,
                "line": statements[index]["line"],
                "stdout": got,
                "stderr": err_sink.take(),
                "value": None,
                "exception": exception,
                "after_error": False,
                "doctest": verdict,
            })

        def report_start(self, out, test, example):
            pass

        def report_success(self, out, test, example, got):
            self.record(example, got, "success")

        def report_failure(self, out, test, example, got):
            if got.startswith("Traceback (most recent call last):"):
                got = session_traceback(got, filename)
            self.record(example, got, "failure")

        def report_unexpected_exception(self, out, test, example, exc_info):
            facts = exception_facts(exc_info[1], filename)
            facts["line"] = statements[next(i for i, e in enumerate(examples) if e is example)]["line"]
            facts["traceback"] = session_traceback(facts["traceback"], filename)
            self.record(example, "", "exception", facts)

    name = f"snippet{offset + 1}"
    _SESSIONS[name] = [statement["line"] for statement in statements]
    test = doctest.DocTest(examples, namespace, name, filename, offset, source)

    def repl_compile(source, filename, mode, flags=0, dont_inherit=False):
        # As the REPL compiles: a `from __future__ import` typed at an earlier prompt holds
        # for every later one (doctest reads the flags once, before the first example).
        return compile(source, filename, mode, flags | doctest._extract_future_flags(test.globs), dont_inherit)

    doctest.compile = repl_compile
    runner = SessionRunner(verbose=False)
    try:
        try:
            runner.run(test, out=lambda text: None, clear_globs=False)
        finally:
            # doctest runs a copy of the globals: what the session binds is the chain's too.
            namespace.update(test.globs)
    except SystemExit as exc:
        emit({"event": "exit", "code": exc.code if isinstance(exc.code, int) or exc.code is None else safe_str(exc.code)})
    finish(filename, out_sink, err_sink, False)


def warm_up():
    """Runs the harness's own machinery once in the zygote, so every forked child starts with
    tokenize's regexes compiled, the AST rewrite's code paths and the modules the epilogue
    needs (threading, atexit) already loaded. It runs no snippet code. (`doctest`, for
    interactive sessions, is preloaded only for runs that have sessions: it is the costliest
    import of all.)"""
    import atexit  # noqa: F401  (the epilogue runs atexit handlers)
    import errno  # noqa: F401  (blocked_reason)
    import threading  # noqa: F401  (the epilogue joins threads)
    import textwrap  # noqa: F401  (claims in a string below a print)

    sample = 'x = [1, 2]  # [1, 2]\nprint(x)\n# [1, 2]\nraise ValueError("v")\n'
    tree, _ = analyze(sample, 10)
    compile(rewrite(tree), "<warm-up>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    try:
        raise ValueError("warm-up")
    except ValueError as exc:
        exception_facts(exc, "<warm-up>")
    _dumps({"event": "warm-up", "value": safe_repr([1, "a"])})
    # Keep the collector away from everything loaded so far: children then touch (and so
    # copy) fewer of the zygote's pages.
    import gc
    gc.collect()
    gc.freeze()


# Standard-library modules never imported ahead of a snippet: importing them does something a
# snippet must see happen itself (`this` prints, `antigravity` opens a browser), or pulls in a
# GUI toolkit.
_NO_PRELOAD = frozenset({
    "__main__", "__hello__", "__phello__", "this", "antigravity", "idlelib", "tkinter",
    "turtle", "turtledemo", "pydoc_data", "lib2to3", "ensurepip", "venv", "site",
})


def _stdlib_module_names():
    """`sys.stdlib_module_names` (3.10+); on 3.9, the names in the standard library's
    directories and the built-in modules."""
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return names
    import os
    import sysconfig
    found = set(sys.builtin_module_names)
    for key in ("stdlib", "platstdlib"):
        root = sysconfig.get_paths()[key]
        for directory in (root, os.path.join(root, "lib-dynload")):
            try:
                entries = os.listdir(directory)
            except OSError:
                continue
            for entry in entries:
                name = entry.split(".")[0]
                if name.isidentifier() and name not in ("site-packages", "dist-packages"):
                    found.add(name)
    return frozenset(found)


def preload(names):
    """Imports, in the zygote and before any fork, the standard-library modules the run's
    snippets import, so each child starts with them loaded (`import asyncio` costs a child
    tens of milliseconds otherwise). Only names in `sys.stdlib_module_names` are imported:
    nothing from site-packages or the notes' directories ever runs outside the sandbox. A module
    that fails to import is left for the snippet to fail on. Returns the modules imported."""
    import importlib
    stdlib = _stdlib_module_names()
    loaded = []
    for name in names:
        top = name.split(".")[0]
        if top not in stdlib or top in _NO_PRELOAD:
            continue
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except Exception:
            continue
        loaded.append(name)
    import gc
    gc.collect()
    gc.freeze()
    return loaded


warm_up()


# ---------------------------------------------------------------------------------------------
# The seal: what the harness runs with, fixed in the zygote before any snippet, and checked.
# ---------------------------------------------------------------------------------------------


def _seal():
    """Every name the harness (and the json encoder it writes records with) resolves as it
    was at load, and every function's code and defaults: (mapping, name, value) triples and
    (function, code, defaults, kwdefaults) quadruples, in tuples a snippet cannot change."""
    import types
    encoder = sys.modules["json.encoder"]
    mappings = [globals(), encoder.__dict__, json.JSONEncoder.__dict__, _ENCODER.__dict__]
    owned = [value for value in globals().values() if isinstance(value, type) and value.__module__ == __name__]
    mappings.extend(cls.__dict__ for cls in owned)
    names = []
    functions = []
    mutable = {"_result_fd", "_channel", "_HOOK", "_EXCEPTION_LINE", "__builtins__"}
    for mapping in mappings:
        for name, value in list(mapping.items()):
            if mapping is globals() and name in mutable:
                continue
            names.append((mapping, name, value))
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if isinstance(value, types.FunctionType) and value not in (verify, _audit):
                functions.append((value, value.__code__, value.__defaults__, value.__kwdefaults__))
    objects = [sys.modules[__name__]] if __name__ in sys.modules else []
    objects += owned + [json.JSONEncoder, encoder] + [function for function, *_ in functions]
    return tuple(names), tuple(functions), frozenset(id(value) for value in objects)


def verify(
    _names=(), _functions=(), _missing=object(), _gettrace=sys.gettrace,
    _getprofile=sys.getprofile, _type=type, _exit=_exit, _tampered=TAMPERED,
):
    """Ends the child with `TAMPERED` unless every sealed name and function is as it was at
    load and no trace or profile function written in Python is set: a snippet that rebound
    the harness's functions (through frames, `gc`, a module dict) or hooks into its work
    leaves a trace, never a clean transcript. Run before every record and, by the zygote,
    after `main` returns. It looks nothing up by name: what it needs is in its defaults."""
    for mapping, name, value in _names:
        if mapping.get(name, _missing) is not value:
            _exit(_tampered)
    for function, code, defaults, kwdefaults in _functions:
        if (
            function.__code__ is not code
            or function.__defaults__ is not defaults
            or function.__kwdefaults__ is not kwdefaults
        ):
            _exit(_tampered)
    if _gettrace() is not None:
        _exit(_tampered)
    profile = _getprofile()
    # cProfile's profiler is C code that only counts; a Python function could change the
    # harness's frames.
    if profile is not None and _type(profile).__module__ != "_lsprof":
        _exit(_tampered)


def _audit(
    event, args, _ids=frozenset(), _code=frozenset(), _getframe=sys._getframe, _id=id,
    _exit=_exit, _tampered=TAMPERED,
):
    """The harness's audit hook (it cannot be removed): ends the child with `TAMPERED` the
    moment a snippet changes an attribute of the harness's own functions, classes or module
    (code, defaults, methods: a change put back before the next check would go unseen by
    `verify`), adds an audit hook of its own (one runs inside the harness's work), or sets a
    trace or profile function while the harness is reporting (a tracer that removes itself
    after changing a record)."""
    if event == "object.__setattr__" or event == "object.__delattr__":
        if args and _id(args[0]) in _ids:
            _exit(_tampered)
    elif event == "sys.addaudithook":
        _exit(_tampered)
    elif event == "sys.settrace" or event == "sys.setprofile":
        frame = _getframe(1)
        while frame is not None:
            if frame.f_code in _code:
                _exit(_tampered)
            frame = frame.f_back


def _install_seal():
    # `verify` and `_audit` are left out of the functions checked (their defaults are set
    # here, after the seal): the audit hook guards their attributes instead.
    emit.__defaults__ = (verify,)
    names, functions, ids = _seal()
    verify.__defaults__ = (names, functions) + verify.__defaults__[2:]
    reporting = (
        emit, finish, Hooks.enter, Hooks.leave, Hooks.raised, Hooks._leave, Hooks._raised,
        Hooks.record_value, Hooks.record_target, Hooks.nest, Hooks.unnest, Hooks.emit_nested,
    )
    code = frozenset(function.__code__ for function in reporting)
    _audit.__defaults__ = (ids | {_id(verify), _id(_audit)}, code) + _audit.__defaults__[2:]
    sys.addaudithook(_audit)


_id = id
_install_seal()
