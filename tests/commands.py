#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""List the external programs the project's scripts, tests, Makefile and
tools run, so tests/integration/deps.sh can check that
scripts/install-deps.sh installs every one of them.

    tests/commands.py TOP

prints one line per program and place: NAME<TAB>FILE:LINE<TAB>GUARD, where
GUARD is "optional" when the same file tests for it with `command -v NAME`
(the caller skips or degrades without it) and "required" otherwise.

A reader of shell, not a shell: it takes the first word of every simple
command (after assignments, `!`, and wrappers such as timeout, env, exec),
looks inside $(...) and backquotes, skips here-documents (Python, and the
guests' init scripts, which run busybox), quoted text, case patterns,
functions the scanned files define, variables and paths of our own.
"""
import os
import re
import sys

BUILTINS = set("""
. : [ [[ ]] alias bg break builtin caller cd command compgen complete
continue declare dirs disown echo enable eval exec exit export false fc fg
getopts hash help history jobs kill let local logout mapfile popd printf
pushd pwd read readarray readonly return set shift shopt source suspend
test times trap true type typeset ulimit umask unalias unset wait
if then else elif fi case esac for select while until do done in function
time coproc ! { } -- ;;
""".split())
# wrappers: the program they run is a command too
WRAPPERS = {"timeout", "env", "exec", "nice", "nohup", "sudo", "xargs",
            "taskset", "chrt", "setsid", "stdbuf", "time", "command"}
MAKE_FUNCS = set("""
shell wildcard filter filter-out patsubst subst strip firstword lastword
word words dir notdir basename addprefix addsuffix join foreach if or and
call eval origin value info warning error abspath realpath sort findstring
""".split())


def strip_quotes(s):
    """Quoted text becomes a placeholder word; $(...) inside double quotes
    has been taken out before."""
    s = re.sub(r"'[^']*'", " Q ", s)
    s = re.sub(r'"(\\.|[^"\\])*"', " Q ", s)
    return s


def closing(s, j, op, cl):
    """Index just past the bracket that closes one opened before s[j]."""
    depth = 1
    while j < len(s) and depth:
        depth += {op: 1, cl: -1}.get(s[j], 0)
        j += 1
    return j


def substitutions(s):
    """Returns (text with $(...)/`...` replaced by a placeholder, [inner
    command strings]).  Balanced parentheses; $((...)) is arithmetic."""
    inner, out, i = [], [], 0
    while i < len(s):
        if s.startswith("$((", i):
            depth, j = 0, i + 1
            while j < len(s):
                depth += {"(": 1, ")": -1}.get(s[j], 0)
                j += 1
                if depth == 0:
                    break
            out.append(" N ")
            i = j
        elif s.startswith("$(", i):
            j = closing(s, i + 2, "(", ")")
            inner.append(s[i + 2:j - 1])
            out.append(" S ")
            i = j
        elif s.startswith("${", i):
            i = closing(s, i + 2, "{", "}")
            out.append(" P ")
        elif s[i] == "`":
            j = s.find("`", i + 1)
            j = len(s) if j < 0 else j
            inner.append(s[i + 1:j])
            out.append(" S ")
            i = j + 1
        else:
            out.append(s[i])
            i += 1
    return "".join(out), inner


def first_words(cmd, make=False):
    """The programs a command string runs."""
    found = []
    text, inner = substitutions(cmd)
    for sub in inner:
        if make:
            fn = sub.split(None, 1)
            if not fn:
                continue
            if fn[0] == "shell" and len(fn) > 1:
                found += first_words(fn[1])
            continue
        found += first_words(sub)
    text = strip_quotes(text)
    text = re.sub(r"\[\[.*?\]\]", " T ", text)	# a test, not a command
    text = re.sub(r"\(\(.*?\)\)", " N ", text)	# arithmetic: for ((;;)), (( ))
    # a case on one line: its patterns are not commands, its bodies are
    m = re.search(r"\bcase\b.*?\bin\b(.*?)\besac\b", text)
    while m:
        body = m.group(1)
        items = [re.sub(r"^\s*\(?[^()]*\)", " ", it) for it in body.split(";;")]
        text = text[:m.start()] + " ; ".join(items) + text[m.end():]
        m = re.search(r"\bcase\b.*?\bin\b(.*?)\besac\b", text)
    text = re.sub(r"\b[A-Za-z_]\w*\+?=\([^)]*\)", " A ", text)	# arrays
    # redirections, with their targets
    text = re.sub(r"\d*(?:>>|>|<)&?\s*(?:\d+\b|-|[^\s;|&()]+)", " ", text)
    for seg in re.split(r"\|\||&&|[;|&(){}]|\bthen\b|\bdo\b|\belse\b", text):
        words = seg.split()
        while words and (re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=", words[0])
                         or words[0] in ("!", "if", "elif", "while", "until",
                                         "A", "then", "do", "else", "time")):
            words.pop(0)
        while words and words[0] in WRAPPERS:
            w = words.pop(0)
            if w not in BUILTINS:
                found.append(w)
            if w == "command" and words and words[0].startswith("-"):
                words = []	# command -v X: a test, not a run
                break
            while words and (words[0].startswith("-") or
                             re.match(r"^[A-Za-z_]\w*=", words[0]) or
                             (w == "timeout" and re.match(r"^[\d.]+[smh]?$", words[0]))):
                words.pop(0)
        if words:
            found.append(words[0])
    return found


def open_quote(s):
    """True when s ends inside a quoted string (it goes on next line)."""
    q = None
    i = 0
    while i < len(s):
        c = s[i]
        if q is None:
            if c == "\\":
                i += 1
            elif c in "'\"":
                q = c
        elif c == q:
            q = None
        elif q == '"' and c == "\\":
            i += 1
        i += 1
    return q is not None


def scan_shell(path, lines, functions):
    out = []
    heredoc = None
    in_case = 0
    buf, start = "", 0
    for no, raw in enumerate(lines, 1):
        if heredoc:
            if raw.strip() == heredoc:
                heredoc = None
            continue
        if not buf:
            start = no
        line = re.sub(r"(^|\s)#.*$", "", raw) if not raw.lstrip().startswith("#!") else ""
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        if open_quote(buf + line):
            buf += line + "\n"
            continue
        line = buf + line
        buf = ""
        m = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", line)
        if m and "<<<" not in line:
            heredoc = m.group(1)
            line = line[:m.start()]
        words = line.split()
        if words[:1] == ["case"]:
            in_case += 1
            continue
        if words[:1] == ["esac"]:
            in_case -= 1
            continue
        if in_case:
            # "pat|pat) cmd ;;": the pattern is not a command
            m = re.match(r"^\s*\(?[^()]*\)(.*)$", strip_quotes(line))
            if m and not re.match(r"^\s*\w+\(\)", line):
                line = re.match(r"^\s*\(?[^()]*\)(.*)$", line).group(1) \
                    if re.match(r"^\s*\(?[^()]*\)", line) else m.group(1)
        for w in first_words(line):
            out.append((w, f"{path}:{start}"))
    return out


def make_expand(line, shells):
    """Replaces every $(...) of make by a placeholder word, balanced; the
    commands of $(shell ...) go to shells."""
    out, i = [], 0
    while i < len(line):
        if line.startswith("$(", i):
            depth, j = 1, i + 2
            while j < len(line) and depth:
                depth += {"(": 1, ")": -1}.get(line[j], 0)
                j += 1
            inner = line[i + 2:j - 1]
            if inner.startswith("shell "):
                shells.append(make_expand(inner[6:], shells))
            else:
                make_expand(inner, shells)
            out.append("V")
            i = j
        else:
            out.append(line[i])
            i += 1
    return "".join(out)


def scan_make(path, lines):
    out = []
    logical, buf, start = [], "", 0
    for no, raw in enumerate(lines, 1):
        if not buf:
            start = no
        if raw.endswith("\\"):
            buf += raw[:-1] + " "
            continue
        logical.append((start, buf + raw))
        buf = ""
    in_rule = False
    for no, raw in logical:
        if not raw.startswith("\t"):
            in_rule = bool(re.match(r"^[^=#\s][^=]*:(?!=)", raw))
        recipe = raw.startswith("\t") and in_rule
        if raw.lstrip().startswith("#"):
            continue
        shells = []
        line = re.sub(r"^\t[@-]*", "", raw).replace("$$", "\x00")
        line = make_expand(line, shells).replace("\x00", "$")
        cmds = [c.replace("\x00", "$") for c in shells]
        if recipe:
            cmds.append(line)
        for c in cmds:
            for w in first_words(c):
                out.append((w, f"{path}:{no}"))
    return out


def scan_c(path, text):
    """Programs a tool spawns by name: posix_spawnp/exec*p with a literal,
    or a literal first in an argv array."""
    out = []
    for m in re.finditer(r'(?:posix_spawnp\([^,]*,|exec[lv]p\(|argv\[\]\s*=\s*\{)\s*"([\w.+-]+)"', text):
        out.append((m.group(1), f"{path}:{text.count(chr(10), 0, m.start()) + 1}"))
    return out


def main():
    top = sys.argv[1]
    shell_files = [".ci/run", "tests/run.sh"]
    for d in ("scripts", "tests/integration", "tests/fixtures"):
        for f in sorted(os.listdir(os.path.join(top, d))):
            p = os.path.join(d, f)
            full = os.path.join(top, p)
            if not os.path.isfile(full):
                continue
            with open(full, errors="replace") as fh:
                head = fh.readline()
            if f.endswith((".sh", ".bash")) or head.startswith("#!/bin/") and "sh" in head:
                shell_files.append(p)
    texts = {p: open(os.path.join(top, p), errors="replace").read() for p in shell_files}
    functions = set()
    for t in texts.values():
        functions |= set(re.findall(r"^\s*(?:function\s+)?([\w-]+)\s*\(\)", t, re.M))
    found = []
    for p, t in texts.items():
        found += scan_shell(p, t.split("\n"), functions)
    found += scan_make("Makefile", open(os.path.join(top, "Makefile")).read().split("\n"))
    for d in ("tools", "lib", "benches"):
        for f in sorted(os.listdir(os.path.join(top, d))):
            if f.endswith(".c"):
                p = os.path.join(d, f)
                found += scan_c(p, open(os.path.join(top, p)).read())
    guarded = {}
    for p, t in list(texts.items()) + [("Makefile", "")]:
        guarded[p] = set(re.findall(r"command -v\s+\"?([\w./$+-]+)", t))
    seen = set()
    for w, where in found:
        if (w in BUILTINS or w in functions or w in ("Q", "S", "N", "P", "T", "A", "V") or
                w.startswith(("$", "-", "./", "..")) or "$" in w or
                re.match(r"^\d+$", w) or w.startswith("mmb-") or w == "mmb"):
            continue
        if "/" in w and not w.startswith("/"):
            continue	# a path of our own tree
        f = where.split(":")[0]
        key = (w, f)
        if key in seen:
            continue
        seen.add(key)
        guard = "optional" if w in guarded.get(f, ()) else "required"
        print(f"{w}\t{where}\t{guard}")


if __name__ == "__main__":
    main()
