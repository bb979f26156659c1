#!/usr/bin/env python3
"""Checks every #include under src/ against the "May include:" rule of its folder's README.

Each file belongs to the nearest folder above it that has a README.md (src/state/decorators
belongs to src/state; src/state/rocksdb has its own). Its README's first sentence after
"May include:" lists what files there may include:
  - `folder/` or `folder/file.h`: another part of src/ (a subfolder with a README of its own
    is another part too, so src/state may not include state/rocksdb/ unless it says so);
  - `eddy/`: the public headers;
  - a foreign library by name (librdkafka, RocksDB, hiredis, prometheus-cpp, spdlog,
    nlohmann/json), optionally restricted: "spdlog (in `log.h`/`log.cc` only)".
A file may always include its own part and the standard and system headers.
Exit status 1 and one line per violation (file:line, the include, the rule) if any.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SRC = ROOT / "src"

# Include prefix -> the name a README uses for that library (lower case).
FOREIGN = {
    "librdkafka/": "librdkafka",
    "rocksdb/": "rocksdb",
    "hiredis/": "hiredis",
    "prometheus/": "prometheus",
    "spdlog/": "spdlog",
    "fmt/": "spdlog",  # spdlog's formatting library comes with it
    "nlohmann/": "nlohmann",
    "civetweb": "prometheus",
}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


class Rule:
    def __init__(self, readme):
        self.folder = readme.parent  # the part's root
        self.readme = readme
        text = readme.read_text()
        m = re.search(r"May include:(.*?)(?:\n\s*\n|$)", text, re.S)
        if not m:
            raise SystemExit(f"{readme.relative_to(ROOT)}: no 'May include:' line")
        paragraph = " ".join(m.group(1).split())
        # The first sentence is the list; what follows explains it ("Never ...").
        first = re.split(r"\.\s+(?=[A-Z])", paragraph, maxsplit=1)[0]
        self.text = first
        self.parts = set()  # "topology/" or "kafka/partitioner.h"
        self.public = False
        for token in re.findall(r"`([^`]+)`", first):
            if token.startswith("eddy/"):
                self.public = True
            elif not token.startswith("<") and "/" in token:
                self.parts.add(token)
        self.libraries = {}  # name -> None (anywhere) or [files relative to the part]
        lower = first.lower()
        for name in set(FOREIGN.values()):
            at = lower.find(name)
            if at < 0:
                continue
            only = re.match(r"[\w/-]*\s*\(in ((?:`[^`]+`/?)+) only\)", first[at:])
            self.libraries[name] = re.findall(r"`([^`]+)`", only.group(1)) if only else None

    def allows_part(self, include):
        return any(include == p or (p.endswith("/") and include.startswith(p)) for p in self.parts)

    def allows_library(self, name, path):
        if name not in self.libraries:
            return False
        files = self.libraries[name]
        rel = path.relative_to(self.folder).as_posix()
        return files is None or rel in files


def part_of(path, rules):
    for parent in path.parents:
        if parent in rules:
            return rules[parent]
        if parent == SRC:
            break
    return None


def main():
    rules = {readme.parent: Rule(readme) for readme in SRC.rglob("README.md") if readme.parent != SRC}
    violations = []
    for path in sorted(SRC.rglob("*")):
        if path.suffix not in (".h", ".cc") or not path.is_file():
            continue
        rule = part_of(path, rules)
        if rule is None:
            violations.append(f"{path.relative_to(ROOT)}: no README.md with 'May include:' above it")
            continue
        own = rule.folder.relative_to(SRC).as_posix() + "/"
        for number, line in enumerate(path.read_text().splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            include = m.group(2)
            where = f"{path.relative_to(ROOT)}:{number}: includes {include}"
            if include.startswith("eddy/"):
                ok = rule.public
            elif m.group(1) == '"':
                target = SRC / include
                target_rule = part_of(target, rules)
                ok = (target_rule is rule and include.startswith(own)) or rule.allows_part(include)
            else:
                lib = next((n for p, n in FOREIGN.items() if include.startswith(p)), None)
                ok = lib is None or rule.allows_library(lib, path)
            if not ok:
                violations.append(
                    f"{where}, which {rule.readme.relative_to(ROOT)} does not allow "
                    f"(May include: {rule.text})")
    for v in violations:
        print(v)
    if violations:
        print(f"check-deps: {len(violations)} include(s) across a wall; move the code behind "
              "an interface its folder may include, or change the folder's README if the "
              "rule is what is wrong", file=sys.stderr)
        return 1
    print(f"check-deps: {sum(1 for _ in SRC.rglob('*.cc'))} sources, every include within its "
          "folder's rule")
    return 0


if __name__ == "__main__":
    sys.exit(main())
