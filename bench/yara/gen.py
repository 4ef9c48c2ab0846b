#!/usr/bin/env python3
"""Generates bench/yara/dredge-equiv.yar: one YARA rule per built-in dredge
content rule (rules/*.yaml), for the yara side of bench/scan.

    python3 bench/yara/gen.py            rewrite bench/yara/dredge-equiv.yar
    python3 bench/yara/gen.py --check    exit 1 when the committed file is stale
    python3 bench/yara/gen.py --stdout   print the rules instead
    python3 bench/yara/gen.py --examples
        write every rule's examples and negative examples to a temporary
        directory, run `yara -r` over it and list the examples YARA misses
        and the negative examples it matches

Python 3 standard library only: the rule packs are read with a small reader
for the YAML subset they use (block mappings and sequences, flow sequences
and mappings, plain, single- and double-quoted scalars, comments), and a
construct outside that subset is an error, never a guess.

Translation (what src/detect/rules.c and engine.c do, in YARA 4.2 terms):
- `list: data/FILE` is spliced into `{list}` as an alternation of the file's
  lines, escaped exactly as rules.c does;
- dredge compiles every regex with PCRE2_MULTILINE: `^` at the start of a
  pattern (or of a leading branch) becomes `(^|\\n)` and `$` at its end
  `(\\n|$)`, both exact for "does the file match";
- `(?i)` over the whole pattern becomes the `nocase` modifier; a caseless part
  of a pattern has its letters and classes case-closed (`[aA]`), exactly;
- named and non-capturing groups become plain groups;
- a lookbehind at the start of the pattern and a lookahead at its end are
  consumed (exact); a negative one on a single character becomes a class
  or the start/end anchor (exact); any other lookaround is dropped and noted
  (a superset);
- YARA cannot mix greedy and lazy quantifiers: a pattern with a lazy one gets
  all its quantifiers lazy (the match found changes, whether one exists does
  not);
- an alternation too large for one YARA regex is split over several strings
  (`any of ($re*)`), which match the same files;
- keywords (one of them, caseless, anywhere in the file) become nocase text
  strings; `strings` + `min-strings` becomes `N of ($s*)`.
What cannot be expressed is listed in the header and per rule.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "dredge-equiv.yar")

# ---------------------------------------------------------------------------
# YAML subset reader


class YamlError(Exception):
    pass


class _Yaml:
    def __init__(self, text, name):
        self.name = name
        self.lines = [ln.rstrip("\r") for ln in text.split("\n")]
        self.i = 0

    def fail(self, msg, line=None):
        raise YamlError("%s line %d: %s" % (self.name, (self.i if line is None else line) + 1, msg))

    @staticmethod
    def indent_of(s):
        return len(s) - len(s.lstrip(" "))

    def skip_blank(self):
        while self.i < len(self.lines):
            s = self.lines[self.i].strip()
            if s and not s.startswith("#"):
                break
            self.i += 1

    def parse_document(self):
        self.skip_blank()
        if self.i < len(self.lines) and self.lines[self.i].strip() == "---":
            self.i += 1
        v = self.parse_block(0)
        self.skip_blank()
        if self.i < len(self.lines):
            self.fail("unexpected content")
        return v

    def parse_block(self, min_indent):
        self.skip_blank()
        if self.i >= len(self.lines):
            return None
        line = self.lines[self.i]
        ind = self.indent_of(line)
        if ind < min_indent:
            return None
        if "\t" in line[:ind + 1]:
            self.fail("tab in indentation")
        body = line[ind:]
        if body == "-" or body.startswith("- "):
            return self.parse_seq(ind)
        return self.parse_map(ind)

    KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.-]*)\s*:(?:\s+|$)")

    def next_body(self, ind):
        """The next non-blank line at indentation ind (without it), or None
        at the end or at a smaller indentation."""
        self.skip_blank()
        if self.i >= len(self.lines):
            return None
        line = self.lines[self.i]
        li = self.indent_of(line)
        if li < ind:
            return None
        if li > ind:
            self.fail("bad indentation")
        return line[ind:]

    def parse_map(self, ind):
        out = {}
        while True:
            body = self.next_body(ind)
            if body is None:
                break
            if body == "-" or body.startswith("- "):
                break
            m = self.KEY.match(body)
            if not m:
                self.fail("expected 'key: value'")
            key = m.group(1)
            if key in out:
                self.fail("duplicate key '%s'" % key)
            col = ind + m.end()
            out[key] = self.parse_value(col, ind)
        return out

    def parse_seq(self, ind):
        out = []
        while True:
            body = self.next_body(ind)
            if body is None:
                break
            line = self.lines[self.i]
            if not (body == "-" or body.startswith("- ")):
                break
            rest = body[1:]
            col = ind + 1 + (len(rest) - len(rest.lstrip(" ")))
            content = line[col:]
            if not content or content.startswith("#"):
                self.i += 1
                out.append(self.parse_block(ind + 1))
            elif self.KEY.match(content) and content[0] not in "'\"[{":
                # a mapping whose first key sits on the dash line
                self.lines[self.i] = " " * col + content
                out.append(self.parse_map(col))
            else:
                out.append(self.parse_value(col, ind))
        return out

    def parse_value(self, col, ind):
        """Value starting at (self.i, col) of an entry indented ind."""
        line = self.lines[self.i]
        rest = line[col:]
        if not rest.strip() or rest.lstrip().startswith("#"):
            self.i += 1
            self.skip_blank()
            if self.i < len(self.lines):
                nl = self.lines[self.i]
                ni = self.indent_of(nl)
                if ni > ind or (ni == ind and (nl[ni:] == "-" or nl[ni:].startswith("- "))):
                    return self.parse_block(ni)
            return None
        if rest[0] in "|>&*!%@`":
            self.fail("unsupported yaml construct '%s'" % rest[0])
        v, (li, c) = self.flow_node(self.i, col, flow=False)
        tail = self.lines[li][c:].strip()
        if tail and not tail.startswith("#"):
            self.fail("unexpected text after value: %r" % tail, li)
        self.i = li + 1
        if rest[0] not in "'\"[{":
            # a plain scalar must not continue on the next lines
            j = self.i
            while j < len(self.lines) and (not self.lines[j].strip() or self.lines[j].strip().startswith("#")):
                j += 1
            if j < len(self.lines) and self.indent_of(self.lines[j]) > ind and \
                    not self.lines[j].lstrip().startswith("- ") and \
                    not self.KEY.match(self.lines[j].lstrip()):
                self.fail("multi-line plain scalars are not supported", j)
        return v

    # flow context: a position is (line, col)
    def skip_ws(self, li, c, newlines=True):
        while li < len(self.lines):
            s = self.lines[li]
            while c < len(s) and s[c] in " \t":
                c += 1
            if c < len(s) and s[c] == "#" and (c == 0 or s[c - 1] in " \t"):
                c = len(s)
            if c < len(s) or not newlines:
                return li, c
            li, c = li + 1, 0
        self.fail("unexpected end of file in a flow collection", li - 1)

    def flow_node(self, li, c, flow):
        s = self.lines[li]
        ch = s[c]
        if ch == "'":
            return self.single_quoted(li, c + 1)
        if ch == '"':
            return self.double_quoted(li, c + 1)
        if ch == "[":
            out = []
            li, c = self.skip_ws(li, c + 1)
            if self.lines[li][c] == "]":
                return out, (li, c + 1)
            while True:
                v, (li, c) = self.flow_node(li, c, True)
                out.append(v)
                li, c = self.skip_ws(li, c)
                ch = self.lines[li][c]
                if ch == "]":
                    return out, (li, c + 1)
                if ch != ",":
                    self.fail("expected ',' or ']'", li)
                li, c = self.skip_ws(li, c + 1)
        if ch == "{":
            out = {}
            li, c = self.skip_ws(li, c + 1)
            if self.lines[li][c] == "}":
                return out, (li, c + 1)
            while True:
                m = self.KEY.match(self.lines[li], c)
                if not m:
                    self.fail("expected 'key: value' in a flow mapping", li)
                if m.group(1) in out:
                    self.fail("duplicate key '%s'" % m.group(1), li)
                li, c = self.skip_ws(li, m.end())
                v, (li, c) = self.flow_node(li, c, True)
                out[m.group(1)] = v
                li, c = self.skip_ws(li, c)
                ch = self.lines[li][c]
                if ch == "}":
                    return out, (li, c + 1)
                if ch != ",":
                    self.fail("expected ',' or '}'", li)
                li, c = self.skip_ws(li, c + 1)
        if ch in "|>&*!%@`#,]}":
            self.fail("unsupported yaml construct '%s'" % ch, li)
        # plain scalar
        end = c
        while end < len(s):
            if s[end] == "#" and s[end - 1] in " \t":
                break
            if s[end] == ":" and (end + 1 == len(s) or s[end + 1] in " \t"):
                self.fail("':' in a plain scalar", li)
            if flow and s[end] in ",]}":
                break
            end += 1
        return s[c:end].rstrip(" \t"), (li, end)

    def fold(self, parts):
        """Line folding of a multi-line quoted scalar."""
        out = parts[0]
        blank = 0
        for p in parts[1:]:
            if p == "":
                blank += 1
                continue
            out += ("\n" * blank) if blank else " "
            out += p
            blank = 0
        return out + "\n" * blank if blank else out

    def single_quoted(self, li, c):
        parts, cur = [], ""
        while True:
            s = self.lines[li]
            while c < len(s):
                if s[c] == "'":
                    if c + 1 < len(s) and s[c + 1] == "'":
                        cur += "'"
                        c += 2
                        continue
                    parts.append(cur if not parts else cur.strip(" \t"))
                    return self.fold(parts) if len(parts) > 1 else parts[0], (li, c + 1)
                cur += s[c]
                c += 1
            parts.append(cur if not parts else cur.strip(" \t"))
            if len(parts) == 1:
                parts[0] = parts[0].rstrip(" \t")
            cur, li, c = "", li + 1, 0
            if li >= len(self.lines):
                self.fail("unterminated quoted string", li - 1)

    ESC = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
           "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
           "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}

    def double_quoted(self, li, c):
        parts, cur = [], ""
        joined = False
        while True:
            s = self.lines[li]
            while c < len(s):
                ch = s[c]
                if ch == '"':
                    parts.append(cur if not parts else cur.lstrip(" \t"))
                    return self.fold(parts) if len(parts) > 1 else parts[0], (li, c + 1)
                if ch == "\\":
                    if c + 1 == len(s):
                        joined = True
                        break
                    e = s[c + 1]
                    if e in self.ESC:
                        cur += self.ESC[e]
                        c += 2
                        continue
                    width = {"x": 2, "u": 4, "U": 8}.get(e)
                    if not width or not re.fullmatch(r"[0-9A-Fa-f]{%d}" % width, s[c + 2:c + 2 + width]):
                        self.fail("bad escape '\\%s'" % e, li)
                    cur += chr(int(s[c + 2:c + 2 + width], 16))
                    c += 2 + width
                    continue
                cur += ch
                c += 1
            if joined:
                # an escaped line break: join without a space
                joined = False
                li, c = li + 1, 0
                if li >= len(self.lines):
                    self.fail("unterminated quoted string", li - 1)
                s = self.lines[li]
                c = len(s) - len(s.lstrip(" \t"))
                continue
            parts.append(cur if not parts else cur.strip(" \t"))
            if len(parts) == 1:
                parts[0] = parts[0].rstrip(" \t")
            cur, li, c = "", li + 1, 0
            if li >= len(self.lines):
                self.fail("unterminated quoted string", li - 1)


def yaml_load(text, name="<yaml>"):
    return _Yaml(text, name).parse_document()


# ---------------------------------------------------------------------------
# rule packs (src/detect/rules.c)

LIST_SPECIAL = "\\.^$|?*+()[]{}/#- "


def expand_list(regex, data):
    """{list} replaced by the file's lines as escaped literals, as rules.c."""
    alts = []
    for line in data.split("\n"):
        s = line.strip(" \t\r")
        if not s or s.startswith("#"):
            continue
        alts.append("".join("\\" + ch if ch in LIST_SPECIAL else ch for ch in s))
    if not alts:
        raise ValueError("empty list")
    if "{list}" not in regex:
        raise ValueError("'list' needs '{list}' in the regex")
    return regex.replace("{list}", "|".join(alts), 1)


def kinds_of(rule):
    k = rule.get("kind", "content")
    return [k] if isinstance(k, str) else list(k)


def load_rules(root=ROOT):
    """Every rule of rules/*.yaml (sorted by file name, then in file order),
    as dicts with the pack's fields plus 'file' and, after {list}
    expansion, 'regex'."""
    out = []
    rdir = os.path.join(root, "rules")
    for fn in sorted(os.listdir(rdir)):
        if fn.startswith(".") or not (fn.endswith(".yaml") or fn.endswith(".yml")):
            continue
        with open(os.path.join(rdir, fn), encoding="utf-8") as f:
            doc = yaml_load(f.read(), "rules/" + fn)
        for r in doc["rules"]:
            r = dict(r)
            r["file"] = "rules/" + fn
            if "list" in r:
                with open(os.path.join(root, r["list"]), encoding="utf-8") as f:
                    r["regex"] = expand_list(r["regex"], f.read())
            if isinstance(r.get("keywords"), str):
                r["keywords"] = [r["keywords"]]
            if isinstance(r.get("strings"), str):
                r["strings"] = [r["strings"]]
            out.append(r)
    return out


def examples_of(rule, field="examples"):
    """[(text, path or None)] of a rule's examples or negative examples."""
    out = []
    for x in rule.get(field) or rule.get(field.replace("_", "-")) or []:
        if isinstance(x, dict):
            out.append((x["text"], x.get("path")))
        else:
            out.append((x, None))
    return out


# ---------------------------------------------------------------------------
# PCRE2 (byte mode, MULTILINE) to YARA 4.2 regex


class Untranslatable(Exception):
    pass


ALL = frozenset(range(256))
DIGIT = frozenset(range(0x30, 0x3A))
WORD = frozenset(list(range(0x30, 0x3A)) + list(range(0x41, 0x5B)) + list(range(0x61, 0x7B)) + [0x5F])
SPACE = frozenset([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20])
SHORT = {"d": DIGIT, "D": ALL - DIGIT, "w": WORD, "W": ALL - WORD, "s": SPACE, "S": ALL - SPACE}
NAMED = {"n": 0x0A, "r": 0x0D, "t": 0x09, "f": 0x0C, "a": 0x07, "e": 0x1B}
LETTERS = frozenset(list(range(0x41, 0x5B)) + list(range(0x61, 0x7B)))


def case_close(bs):
    return frozenset(bs) | frozenset(b ^ 0x20 for b in bs if b in LETTERS)


class Node:
    """kind: seq (items), alt (items), group (child), look (op, child),
    rep (child, lo, hi, lazy), set (bytes, caseless, text), any, bol, eol,
    eos (\\z), eosnl (\\Z), bos (\\A), wordb, nwordb."""

    def __init__(self, kind, **kw):
        self.kind = kind
        self.__dict__.update(kw)


class _Parser:
    def __init__(self, pattern):
        # PCRE2 without UTF works on bytes: so does this parser
        self.p = pattern.encode("utf-8").decode("latin-1")
        self.i = 0

    def fail(self, msg):
        raise Untranslatable("%s at offset %d of %r" % (msg, self.i, self.p[:120]))

    def parse(self):
        n = self.alt(False)
        if self.i != len(self.p):
            self.fail("unbalanced ')'")
        return n

    def alt(self, caseless):
        branches = [self.seq(caseless)]
        while self.i < len(self.p) and self.p[self.i] == "|":
            self.i += 1
            branches.append(self.seq(self.cur_caseless))
        return branches[0] if len(branches) == 1 else Node("alt", items=branches)

    def seq(self, caseless):
        self.cur_caseless = caseless
        items = []
        while self.i < len(self.p) and self.p[self.i] not in "|)":
            atom = self.atom()
            if atom is None:
                continue
            atom = self.quant(atom)
            items.append(atom)
        return Node("seq", items=items)

    def quant(self, atom):
        p = self.p
        if self.i >= len(p):
            return atom
        ch = p[self.i]
        lo = hi = None
        if ch == "*":
            lo, hi = 0, None
            self.i += 1
        elif ch == "+":
            lo, hi = 1, None
            self.i += 1
        elif ch == "?":
            lo, hi = 0, 1
            self.i += 1
        elif ch == "{":
            m = re.match(r"\{(\d+)(,(\d*))?\}", p[self.i:])
            if not m:
                return atom  # a literal '{' was already consumed as an atom
            lo = int(m.group(1))
            hi = lo if m.group(2) is None else (int(m.group(3)) if m.group(3) else None)
            self.i += m.end()
        else:
            return atom
        lazy = False
        if self.i < len(p) and p[self.i] == "?":
            lazy = True
            self.i += 1
        elif self.i < len(p) and p[self.i] == "+":
            self.fail("possessive quantifier")
        if atom.kind in ("bol", "eol", "eos", "eosnl", "bos", "wordb", "nwordb", "look"):
            self.fail("quantified assertion")
        node = Node("rep", child=atom, lo=lo, hi=hi, lazy=lazy)
        if self.i < len(p) and p[self.i] in "*+?{" and (p[self.i] != "{" or re.match(r"\{\d", p[self.i:])):
            self.fail("nested quantifier")
        return node

    def lit(self, b):
        return Node("set", bytes=frozenset([b]), caseless=self.cur_caseless, single=True)

    def atom(self):
        p = self.p
        ch = p[self.i]
        if ch == "(":
            return self.group()
        if ch == "[":
            return self.cls()
        if ch == "\\":
            return self.escape(in_class=False)
        self.i += 1
        if ch == ".":
            return Node("any")
        if ch == "^":
            return Node("bol")
        if ch == "$":
            return Node("eol")
        if ch in "*+?":
            self.fail("quantifier without an atom")
        return self.lit(ord(ch))

    def group(self):
        p = self.p
        self.i += 1
        outer = self.cur_caseless
        caseless = outer
        look = None
        if p.startswith("?", self.i):
            rest = p[self.i:]
            if rest.startswith("?:"):
                self.i += 2
            elif rest.startswith("?P<") or (rest.startswith("?<") and not rest.startswith(("?<=", "?<!"))):
                end = p.find(">", self.i)
                if end < 0:
                    self.fail("bad group name")
                self.i = end + 1
            elif rest.startswith("?'"):
                end = p.find("'", self.i + 2)
                self.i = end + 1
            elif rest.startswith(("?=", "?!")):
                look = rest[1]
                self.i += 2
            elif rest.startswith(("?<=", "?<!")):
                look = rest[1:3]
                self.i += 3
            else:
                m = re.match(r"\?([a-zA-Z]*)(-[a-zA-Z]*)?([:)])", rest)
                if not m:
                    self.fail("unsupported group '(%s'" % rest[:4])
                on, off = m.group(1), (m.group(2) or "")[1:]
                for f in on + off:
                    if f not in "im":
                        self.fail("unsupported inline flag '%s'" % f)
                if "i" in on:
                    caseless = True
                if "i" in off:
                    caseless = False
                self.i += m.end()
                if m.group(3) == ")":
                    # (?i) alone: applies to the rest of the enclosing group
                    self.cur_caseless = caseless
                    return None
        child = self.alt(caseless)
        if self.i >= len(p) or p[self.i] != ")":
            self.fail("missing ')'")
        self.i += 1
        self.cur_caseless = outer
        if look:
            return Node("look", op=look, child=child)
        return Node("group", child=child)

    def escape(self, in_class):
        p = self.p
        if self.i + 1 >= len(p):
            self.fail("trailing backslash")
        e = p[self.i + 1]
        self.i += 2
        if e in SHORT:
            return Node("set", bytes=SHORT[e], caseless=False, short=e, single=False)
        if e in NAMED:
            return self.lit(NAMED[e])
        if e == "x":
            m = re.match(r"[0-9A-Fa-f]{1,2}", p[self.i:])
            if not m:
                self.fail("unsupported \\x escape")
            self.i += m.end()
            return self.lit(int(m.group(0), 16))
        if e == "0":
            m = re.match(r"[0-7]{0,2}", p[self.i:])
            self.i += m.end()
            return self.lit(int("0" + m.group(0), 8))
        if not in_class:
            if e == "b":
                return Node("wordb")
            if e == "B":
                return Node("nwordb")
            if e == "A":
                return Node("bos")
            if e == "z":
                return Node("eos")
            if e == "Z":
                return Node("eosnl")
        if e.isalnum():
            self.fail("unsupported escape '\\%s'" % e)
        return self.lit(ord(e))

    def cls(self):
        p = self.p
        start = self.i
        self.i += 1
        neg = False
        if p.startswith("^", self.i):
            neg = True
            self.i += 1
        bs = set()
        first = True
        while True:
            if self.i >= len(p):
                self.fail("missing ']'")
            ch = p[self.i]
            if ch == "]" and not first:
                self.i += 1
                break
            first = False
            if p.startswith("[:", self.i):
                self.fail("POSIX class")
            if ch == "\\":
                n = self.escape(in_class=True)
                lo_set = n.bytes
                lo = next(iter(lo_set)) if n.single else None
            else:
                self.i += 1
                lo_set = {ord(ch)}
                lo = ord(ch)
            if lo is not None and p.startswith("-", self.i) and self.i + 1 < len(p) and p[self.i + 1] != "]":
                self.i += 1
                if p[self.i] == "\\":
                    n = self.escape(in_class=True)
                    if not n.single:
                        self.fail("bad range")
                    hi = next(iter(n.bytes))
                else:
                    hi = ord(p[self.i])
                    self.i += 1
                if hi < lo:
                    self.fail("bad range")
                lo_set = set(range(lo, hi + 1))
            bs |= set(lo_set)
        if self.cur_caseless:
            bs = set(case_close(bs))
        if neg:
            bs = set(ALL) - bs
        return Node("set", bytes=frozenset(bs), caseless=False, single=False,
                    text=p[start:self.i], ci=self.cur_caseless)


SPECIAL = set("\\^$.|?*+()[]{}/")
CLASS_SPECIAL = set("\\]^-[/")


def _byte(b, in_class):
    if b == 0x0A:
        return "\\n"
    if b == 0x0D:
        return "\\r"
    if b == 0x09:
        return "\\t"
    if b < 0x20 or b >= 0x7F:
        return "\\x%02x" % b
    ch = chr(b)
    if ch in (CLASS_SPECIAL if in_class else SPECIAL):
        return "\\" + ch
    return ch


def _kind(b):
    if 0x30 <= b <= 0x39:
        return "digit"
    if 0x41 <= b <= 0x5A:
        return "upper"
    if 0x61 <= b <= 0x7A:
        return "lower"
    return "other"


def _class_body(bs):
    out, b = [], 0
    while b < 256:
        if b not in bs:
            b += 1
            continue
        e = b
        # ranges stay within digits, upper or lower case letters: [.0-9:]
        # reads better than [.0-:]
        while e + 1 < 256 and e + 1 in bs and _kind(e + 1) == _kind(b):
            e += 1
        if e == b:
            out.append(_byte(b, True))
        elif e == b + 1:
            out.append(_byte(b, True) + _byte(e, True))
        else:
            out.append(_byte(b, True) + "-" + _byte(e, True))
        b = e + 1
    return "".join(out)


def emit_set(bs, nocase):
    """Regex text for a byte set; nocase: the string has the nocase modifier."""
    bs = frozenset(bs)
    if nocase:
        bs = case_close(bs)
    for name, s in SHORT.items():
        if bs == s:
            return "\\" + name
    if len(bs) == 1:
        return _byte(next(iter(bs)), False)
    if len(bs) == 2 and nocase and all(b in LETTERS for b in bs) and len({b | 0x20 for b in bs}) == 1:
        return _byte(min(bs) | 0x20, False)
    if bs == ALL:
        return "[\\x00-\\xff]"
    comp = ALL - bs
    if len(comp) < len(bs):
        # \w, \d, \s left out of a negated class read better
        return "[^" + _class_body(comp) + "]"
    return "[" + _class_body(bs) + "]"


class _Emitter:
    def __init__(self, nocase, lazy):
        self.nocase = nocase
        self.lazy = lazy
        self.notes = []

    def note(self, msg):
        if msg not in self.notes:
            self.notes.append(msg)

    def emit(self, n, lead, trail):
        """Text of node n; lead/trail: n is at the start/end of every match
        (nothing is consumed before/after it). '' means zero width, nothing."""
        k = n.kind
        if k == "seq":
            items = n.items
            width = [not _zero_width(x) for x in items]
            out = []
            for i, x in enumerate(items):
                li = lead and not any(width[:i])
                ti = trail and not any(width[i + 1:])
                out.append(self.emit(x, li, ti))
            return "".join(out)
        if k == "alt":
            parts = [self.emit(x, lead, trail) for x in n.items]
            if any(p == "" for p in parts):
                raise Untranslatable("alternation with an empty branch outside a group")
            return "|".join(parts)
        if k == "group":
            body, opt = self.group_body(n.child, lead, trail)
            if body == "":
                return ""
            return "(" + body + ")" + (("??" if self.lazy else "?") if opt else "")
        if k == "rep":
            one = n.hi == 1
            if n.hi is not None and n.hi > 32767:
                raise Untranslatable("repeat above 32767")
            if n.child.kind == "group":
                body, opt = self.group_body(n.child.child, lead and one, trail and one)
                if body == "":
                    return ""
                if opt:
                    # (a|<nothing>)? is (a)? and (a|<nothing>)* is (a)*
                    if n.lo == 0 and n.hi in (1, None):
                        return "(" + body + ")" + ("?" if one else "*") + ("?" if self.lazy else "")
                    raise Untranslatable("repeated alternation with an empty branch")
                body = "(" + body + ")"
            else:
                body = self.emit(n.child, lead and one, trail and one)
                if body == "":
                    return ""
            if n.lo == 0 and n.hi is None:
                q = "*"
            elif n.lo == 1 and n.hi is None:
                q = "+"
            elif n.lo == 0 and n.hi == 1:
                q = "?"
            elif n.hi is None:
                q = "{%d,}" % n.lo
            elif n.lo == n.hi:
                q = "{%d}" % n.lo
            else:
                q = "{%d,%d}" % (n.lo, n.hi)
            # YARA cannot mix greedy and lazy quantifiers in one regex;
            # which one a quantifier is changes the match, never whether
            # there is one
            return body + q + ("?" if self.lazy else "")
        if k == "set":
            bs = n.bytes
            if n.caseless and not self.nocase:
                bs = case_close(bs)
            if getattr(n, "short", None) and not self.nocase:
                return "\\" + n.short
            return emit_set(bs, self.nocase)
        if k == "any":
            return "."
        if k == "wordb":
            return "\\b"
        if k == "nwordb":
            return "\\B"
        if k == "bos":
            return "^"
        if k == "eos":
            return "$"
        if k == "eosnl":
            if trail:
                return "(\\n$|$)"
            self.note("`\\Z` inside the pattern dropped")
            return ""
        if k == "bol":
            if lead:
                return "(^|\\n)"
            self.note("`^` inside the pattern dropped")
            return ""
        if k == "eol":
            if trail:
                return "(\\n|$)"
            self.note("`$` inside the pattern dropped")
            return ""
        if k == "look":
            return self.look(n, lead, trail)
        raise Untranslatable("node " + k)

    def group_body(self, child, lead, trail):
        """(text, optional) of a group's content: an alternation whose
        branches became empty (dropped assertions) leaves the group optional."""
        if child.kind != "alt":
            return self.emit(child, lead, trail), False
        parts = [self.emit(x, lead, trail) for x in child.items]
        nonempty = [p for p in parts if p != ""]
        return "|".join(nonempty), len(nonempty) < len(parts)

    def look(self, n, lead, trail):
        single = _single_set(n.child)
        if n.op in ("<=", "=") and (lead if n.op == "<=" else trail):
            body, opt = self.group_body(n.child, n.op == "<=", n.op == "=")
            if body == "" or opt:
                # the assertion can hold without consuming anything
                return ""
            return "(" + body + ")"
        if n.op == "<!" and lead and single is not None:
            return "(^|" + emit_set(ALL - single, self.nocase) + ")"
        if n.op == "!" and trail and single is not None:
            return "(" + emit_set(ALL - single, self.nocase) + "|$)"
        what = {"=": "lookahead", "!": "negative lookahead", "<=": "lookbehind",
                "<!": "negative lookbehind"}[n.op]
        self.note("%s dropped" % what)
        return ""


def _zero_width(n):
    if n.kind in ("bol", "eol", "eos", "eosnl", "bos", "wordb", "nwordb", "look"):
        return True
    if n.kind in ("group",):
        return _zero_width(n.child)
    if n.kind == "seq":
        return all(_zero_width(x) for x in n.items)
    if n.kind == "alt":
        return all(_zero_width(x) for x in n.items)
    return False


def _single_set(n):
    """The byte set when n matches exactly one byte from a set, else None."""
    while n.kind == "group" or (n.kind == "seq" and len(n.items) == 1):
        n = n.child if n.kind == "group" else n.items[0]
    if n.kind == "set":
        return case_close(n.bytes) if n.caseless else n.bytes
    if n.kind == "alt":
        out = set()
        for x in n.items:
            s = _single_set(x)
            if s is None:
                return None
            out |= s
        return frozenset(out)
    return None


def _any(n, pred):
    """pred holds for n or a node under it."""
    if pred(n):
        return True
    if hasattr(n, "items"):
        return any(_any(x, pred) for x in n.items)
    if hasattr(n, "child"):
        return _any(n.child, pred)
    return False


def _any_lazy(n):
    return _any(n, lambda m: m.kind == "rep" and m.lazy)


def _any_ci(n):
    """Some literal or class is under (?i)."""
    return _any(n, lambda m: m.kind == "set" and bool(m.caseless or getattr(m, "ci", False)))


def _has_letters(n):
    return _any(n, lambda m: m.kind == "set" and bool(m.bytes & LETTERS) and
                not getattr(m, "short", None))


def _all_caseless(n):
    """Every literal and class holding a letter is caseless (or a shorthand
    class, which is caseless anyway)."""
    if n.kind == "set":
        if getattr(n, "short", None) or not (n.bytes & LETTERS):
            return True
        if getattr(n, "text", None) is not None:
            return n.bytes == case_close(n.bytes)
        return n.caseless
    if hasattr(n, "items"):
        return all(_all_caseless(x) for x in n.items)
    if hasattr(n, "child"):
        return _all_caseless(n.child)
    return True


# the longest regex one YARA string holds comfortably (its lexer's buffer is
# 8 KiB) and the most split instructions (one per alternative after the
# first and per ?, *, +) one regex may have (RE_MAX_SPLIT_ID is 128; a
# 124-way alternation of hosts still compiles, 127 does not)
MAX_REGEX = 6000
MAX_SPLITS = 100


def _splits(n):
    k = 0
    if n.kind == "alt":
        k += len(n.items) - 1
    if n.kind == "rep" and n.hi in (1, None):
        k += 1
    for x in getattr(n, "items", []) or []:
        k += _splits(x)
    if hasattr(n, "child"):
        k += _splits(n.child)
    return k


def _split_alt(root):
    """The alternation with the most branches that is not under a repeat, or None."""
    best = [None]

    def walk(n, under_rep):
        if n.kind == "alt" and not under_rep and (best[0] is None or len(n.items) > len(best[0].items)):
            best[0] = n
        for x in getattr(n, "items", []) or []:
            walk(x, under_rep)
        if hasattr(n, "child"):
            walk(n.child, under_rep or (n.kind == "rep" and n.hi != 1) or n.kind == "look")

    walk(root, False)
    return best[0]


def translate(pattern):
    """PCRE2 pattern -> ([yara regex bodies], nocase, notes). Several bodies
    when one alternation had to be split: a file matches the pattern iff it
    matches one of them."""
    root = _Parser(pattern).parse()
    nocase = _any_ci(root) and _has_letters(root) and _all_caseless(root)
    lazy = _any_lazy(root)
    em = _Emitter(nocase, lazy)
    body = em.emit(root, True, True)
    if body == "":
        raise Untranslatable("pattern matches the empty string only")
    bodies = [body]
    total = _splits(root)
    alt = _split_alt(root)
    if alt is not None and (len(body) > MAX_REGEX or total > MAX_SPLITS):
        branches = alt.items
        others = total - (len(branches) - 1)
        n = min(MAX_SPLITS - others + 1, len(branches) * MAX_REGEX // len(body))
        if n < 1:
            raise Untranslatable("regex too complex for YARA even when split")
        bodies = []
        for i in range(0, len(branches), n):
            alt.items = branches[i:i + n]
            bodies.append(_Emitter(nocase, lazy).emit(root, True, True))
        alt.items = branches
        em.note("alternation of %d branches split over %d strings" % (len(branches), len(bodies)))
    return bodies, nocase, em.notes


# ---------------------------------------------------------------------------
# YARA rules

YARA_KEYWORDS = set("""all and any ascii at base64 base64wide condition contains
endswith entrypoint false filesize for fullword global import icontains iendswith
iequals in include int16 int16be int32 int32be int8 int8be istartswith matches meta
nocase none not of or private rule startswith strings them true uint16 uint16be
uint32 uint32be uint8 uint8be wide xor defined""".split())


def yara_name(rule_id):
    n = rule_id.replace("-", "_")
    if n in YARA_KEYWORDS or not re.match(r"[A-Za-z_]", n):
        n = "dredge_" + n
    return n


def yara_text(s):
    out = []
    for b in s.encode("utf-8"):
        if b == 0x22:
            out.append('\\"')
        elif b == 0x5C:
            out.append("\\\\")
        elif b == 0x0A:
            out.append("\\n")
        elif b == 0x09:
            out.append("\\t")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return '"' + "".join(out) + '"'


def is_content(rule):
    return "content" in kinds_of(rule)


def rule_text(r):
    """(yara rule text, [notes]) of one dredge content rule."""
    notes = []
    strings = []
    kws = r.get("keywords") or []
    for i, kw in enumerate(kws, 1):
        strings.append("$kw%d = %s nocase" % (i, yara_text(re.sub("[A-Z]", lambda m: m.group(0).lower(), kw))))
    if "regex" in r:
        bodies, nocase, tnotes = translate(r["regex"])
        notes += tnotes
        mod = " nocase" if nocase else ""
        if len(bodies) == 1:
            strings.append("$re = /%s/%s" % (bodies[0], mod))
            cond = "$re"
        else:
            for i, b in enumerate(bodies, 1):
                strings.append("$re%d = /%s/%s" % (i, b, mod))
            cond = "any of ($re*)"
    else:
        ss = r["strings"]
        for i, s in enumerate(ss, 1):
            bodies, nocase, tnotes = translate(s)
            if len(bodies) != 1:
                raise Untranslatable("rule '%s': a strings entry too large for one YARA string" % r["id"])
            notes += ["$s%d: %s" % (i, x) for x in tnotes]
            strings.append("$s%d = /%s/%s" % (i, bodies[0], " nocase" if nocase else ""))
        need = int(r.get("min-strings") or len(ss))
        cond = "all of ($s*)" if need == len(ss) else "%d of ($s*)" % need
    if kws:
        cond = "any of ($kw*) and " + ("(%s)" % cond if " " in cond and not cond.endswith(")") else cond)
    if r.get("path"):
        notes.append("path filter %s not expressible" % yara_text(r["path"]))
    lines = []
    for n in notes:
        lines.append("// approximation: " + n + " (superset)"
                     if "split" not in n else "// " + n + " (same files)")
    lines.append("rule %s {" % yara_name(r["id"]))
    lines.append("  meta:")
    lines.append("    id = %s" % yara_text(r["id"]))
    lines.append("    category = %s" % yara_text(r["category"]))
    lines.append("    severity = %s" % yara_text(str(r["severity"]).lower()))
    lines.append("  strings:")
    for s in strings:
        lines.append("    " + s)
    lines.append("  condition:")
    lines.append("    " + cond)
    lines.append("}")
    return "\n".join(lines), notes


def generate(root=ROOT):
    rules = load_rules(root)
    content = [r for r in rules if is_content(r)]
    skipped = [r for r in rules if not is_content(r)]
    names = {}
    for r in content:
        n = yara_name(r["id"])
        if n in names:
            raise Untranslatable("rules '%s' and '%s' have the same YARA name" % (names[n], r["id"]))
        names[n] = r["id"]
    files = sorted({r["file"] for r in rules})
    head = ["/* Generated by bench/yara/gen.py from rules/*.yaml; do not edit."]
    head += textwrap.wrap(
        "Regenerate with `python3 bench/yara/gen.py` (tests/e2e/test_yara_equiv.py fails "
        "when this file is stale).", 76, initial_indent=" * ", subsequent_indent=" * ")
    head.append(" *")
    head += textwrap.wrap(
        "%d YARA rules, one per dredge rule that scans file content (of %d rules in %s). "
        "Not translated (no `content` kind: they look at paths, image config or history "
        "only): %s." % (len(content), len(rules), ", ".join(files),
                        ", ".join(r["id"] for r in skipped)),
        76, initial_indent=" * ", subsequent_indent=" * ", break_on_hyphens=False)
    head.append(" *")
    head += textwrap.wrap(
        "Same regexes (PCRE2 -> YARA 4.2 syntax) and keywords. Not expressible in YARA, so "
        "these rules match a superset of dredge's findings: validators (checksums, key "
        "parsing, placeholders), entropy thresholds, allow-rules, path filters, the match "
        "window (dredge: `window` bytes, YARA: 4096), and keyword position (dredge: before "
        "the match end; YARA: anywhere in the file). Per-rule approximations are noted "
        "above the rule. See bench/yara/README. */", 76, initial_indent=" * ",
        subsequent_indent=" * ", break_on_hyphens=False)
    head.append("")
    body = []
    for r in content:
        text, _ = rule_text(r)
        body.append(text)
    return "\n".join(head) + "\n" + "\n\n".join(body) + "\n"


# ---------------------------------------------------------------------------
# examples


def write_examples(rules, d):
    """Writes every example of every content rule under d; returns
    {path: (rule id, 'pos'|'neg', index, example path or None)}."""
    out = {}
    for r in rules:
        if not is_content(r):
            continue
        for field, tag in (("examples", "pos"), ("negative_examples", "neg")):
            for i, (text, path) in enumerate(examples_of(r, field)):
                fn = os.path.join(d, "%s.%s.%d" % (r["id"], tag, i))
                with open(fn, "wb") as f:
                    f.write(text.encode("utf-8"))
                out[fn] = (r["id"], tag, i, path)
    return out


def yara_hits(yar, d, yara="yara"):
    """{file: set(yara rule names)} of `yara -r -w yar d`."""
    p = subprocess.run([yara, "-r", "-w", yar, d], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("yara exited %d: %s" % (p.returncode, p.stderr[-2000:]))
    hits = {}
    for line in p.stdout.splitlines():
        name, _, fn = line.partition(" ")
        hits.setdefault(fn, set()).add(name)
    return hits


def check_examples(yar, root=ROOT):
    """([(id, i)] examples YARA misses, [(id, i, text, path)] negatives it matches)."""
    rules = load_rules(root)
    d = tempfile.mkdtemp(prefix="dredge-yara-ex-")
    try:
        files = write_examples(rules, d)
        hits = yara_hits(yar, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    by_id = {r["id"]: r for r in rules}
    missed, fp = [], []
    for fn, (rid, tag, i, path) in sorted(files.items()):
        hit = yara_name(rid) in hits.get(fn, set())
        if tag == "pos" and not hit:
            missed.append((rid, i))
        if tag == "neg" and hit:
            fp.append((rid, i, examples_of(by_id[rid], "negative_examples")[i][0], path))
    return missed, fp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when %s is stale" % os.path.relpath(OUT, ROOT))
    ap.add_argument("--stdout", action="store_true", help="print the rules")
    ap.add_argument("--examples", action="store_true",
                    help="run yara over every example and negative example and report")
    args = ap.parse_args()
    text = generate()
    if args.stdout:
        sys.stdout.write(text)
        return 0
    if args.check:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text:
                print("gen.py: %s is stale; run python3 bench/yara/gen.py" % OUT, file=sys.stderr)
                return 1
        return 0
    if args.examples:
        with tempfile.NamedTemporaryFile("w", suffix=".yar", delete=False) as f:
            f.write(text)
        try:
            missed, fp = check_examples(f.name)
        finally:
            os.unlink(f.name)
        for rid, i in missed:
            print("missed: %s example %d" % (rid, i))
        for rid, i, ex, path in fp:
            print("negative matched: %s #%d%s: %r" % (rid, i, " (path %s)" % path if path else "", ex[:100]))
        n_pos = sum(len(examples_of(r)) for r in load_rules() if is_content(r))
        n_neg = sum(len(examples_of(r, "negative_examples")) for r in load_rules() if is_content(r))
        print("examples: %d, missed %d; negative examples: %d, matched %d" % (n_pos, len(missed), n_neg, len(fp)))
        return 1 if missed else 0
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
