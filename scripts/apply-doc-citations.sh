#!/usr/bin/env bash
# ONE-OFF TOOL (issue #13): delete this file once it has been run on main and the result
# committed. It rewrites the citations of the notes that used to live beside the repository
# (../shared/gb28181-reference.md, webrtc-hls-notes.md, style.md, contracts.md) into citations
# of the pages that replace them under docs/:
#
#   reference §N, gb28181-reference §N      → docs/gb28181.md §N       (same numbering)
#   webrtc-hls-notes §N                     → docs/browser-notes.md §N (same numbering)
#   style.md §8.x / rule N                  → docs/architecture.md §N or docs/testing.md §N (table below)
#   shared/contracts.md, contracts.md       → docs/api.md (§N where the context says which part)
#
# Usage: scripts/apply-doc-citations.sh [TREE]   (default: the repository this script is in)
#
# It matches text, never line numbers, so files may have moved or changed since it was written.
# It is idempotent: a second run changes nothing. A hand fix whose text is found neither in its
# old nor in its new form, or a style.md citation with no entry in the table, is reported as a
# warning and left alone; test/architecture/doc-citations.test.ts is the judge of the result.
# Rewritten files then go through prettier (when node_modules has it), which only touches the
# code lines a longer citation pushed past the print width; comments are left as they are.
set -euo pipefail

TREE=${1:-"$(cd "$(dirname "$0")/.." && pwd)"}
cd "$TREE"
REWRITTEN=$(mktemp)
trap 'rm -f "$REWRITTEN"' EXIT

# Text files a person writes, minus generated output, the pages written for the new citations
# (docs/gb28181.md keeps phrases such as "reference" in its own prose), the test that plants
# old citations on purpose, and this script.
find . \( -name node_modules -o -name dist -o -name .git -o -path ./bench/results \
  -o -path ./test-results -o -path ./data \) -prune -o -type f \
  \( -name '*.ts' -o -name '*.mjs' -o -name '*.js' -o -name '*.md' -o -name '*.xml' \
  -o -name '*.sh' -o -name '*.yml' -o -name '*.yaml' -o -name '*.html' -o -name '*.css' \
  -o -name Dockerfile -o -path ./.ci/run \) -print |
  sed 's|^\./||' |
  grep -vxF -e docs/gb28181.md -e docs/browser-notes.md -e docs/architecture.md \
    -e docs/testing.md -e docs/api.md -e test/architecture/doc-citations.test.ts \
    -e scripts/apply-doc-citations.sh |
  sort |
  REWRITTEN="$REWRITTEN" perl -e '
use strict;
use warnings;

my @files = map { chomp; $_ } <STDIN>;
my $changed = 0;
my @warnings;

# Optional path in front of a note name: ../shared/, /work/shared/, shared/.
my $SHARED = qr{(?:(?:\.\.|/work)/shared/|(?<![\w/.-])shared/)?};

# style.md: section or rule → where docs/ now says it. Exact key first, then the key without
# a quoted label. A key missing here is left alone and reported.
my %STYLE = (
  "rule 1"        => q{docs/architecture.md §5 "Pure bytes apart from I/O"},
  "rule 2"        => q{docs/architecture.md §5 "One stage contract"},
  "rule 3"        => q{docs/architecture.md §3},
  "rule 4"        => q{docs/architecture.md §3},
  "rule 5"        => q{docs/architecture.md §5 "Parsers never throw"},
  "rule 6"        => q{docs/architecture.md §5 "Stable error codes"},
  "rule 7"        => q{docs/architecture.md §5 "Typed events"},
  "rule 8"        => q{docs/testing.md §1},
  "rule 9"        => q{docs/architecture.md §5 "Files and names"},
  "rule 10"       => q{docs/architecture.md §5 "Comments say why"},
  "§8.1"          => q{docs/architecture.md §5 "One composition root"},
  "§8.2, rule 4"  => q{docs/architecture.md §3},
  "§8.2"          => q{docs/architecture.md §3},
  "§8.3"          => q{docs/architecture.md §2},
  "§8.4"          => q{docs/architecture.md §1},
  "§8.5 \"Units\"" => q{docs/architecture.md §5 "Units"},
  "§8.5"          => q{docs/architecture.md §5},
  "§8.6.1"        => q{docs/testing.md §1},
  "§8.6.2"        => q{docs/testing.md §2},
  "§8.6.3"        => q{docs/testing.md §3},
  "§8.6.5"        => q{docs/testing.md §4},
  "§8.6.6"        => q{docs/testing.md §5},
  "§8.6.7"        => q{docs/testing.md §7},
  "§8.6.8"        => q{docs/testing.md §7},
  "§8.7"          => q{docs/testing.md §8},
  "§8.8"          => q{docs/architecture.md §6},
  "§10"           => q{docs/architecture.md §5 "One owner for each fact"},
);

sub style_target {
  my ($key, $file) = @_;
  return $STYLE{$key} if exists $STYLE{$key};
  (my $bare = $key) =~ s/ "[^"]*"$//;
  return $STYLE{$bare} if exists $STYLE{$bare};
  push @warnings, "$file: no docs/ place for style.md $key; left as it is";
  return undef;
}

# Fixes that need their context, as [old (regex), new (text), already-applied (regex)].
# They run after the generic gb28181 rename (step 1) and before the generic path rules (step 3).
my @HAND = (
  [ qr{\(GB/T 28181-2016 §9\.11, Annex P; reference\n// §3\.5\):},
    "(GB/T 28181-2016 §9.11, Annex P;\n// docs/gb28181.md §3.5):",
    qr{Annex P;\n// docs/gb28181\.md §3\.5\):} ],
  [ qr{^// The reference\x27s §7\.1 live offer and §7\.4 playback offer\.}m,
    "// The live and playback offers of docs/gb28181.md §7.1 and §7.4.",
    qr{^// The live and playback offers of docs/gb28181\.md §7\.1 and §7\.4\.}m ],
  [ qr{^// The example messages of /work/shared/gb28181-reference\.md, verbatim, one string per message\.}m,
    "// The example messages of docs/gb28181.md (its identities table), one string per message.",
    qr{^// The example messages of docs/gb28181\.md \(its identities table\)}m ],
  [ qr{Generated from the reference; regenerate, do not hand-edit\.},
    "The copy of record: do not hand-edit.",
    qr{The copy of record: do not hand-edit\.} ],
  [ qr{^// The example bodies of /work/shared/gb28181-reference\.md, verbatim:}m,
    "// The example bodies docs/gb28181.md refers to; this file is their copy of record:",
    qr{^// The example bodies docs/gb28181\.md refers to;}m ],
  [ qr{Copied from the reference; do not\n// hand-edit\.},
    "Do not\n// hand-edit.",
    qr{Do not\n// hand-edit\.} ],
  [ qr{^// Catalog items \(docs/gb28181\.md §3\.2\) as store channels, catalog notifications \(§3\.3\)}m,
    "// Catalog items (docs/gb28181.md §3.3) as store channels, catalog notifications (§3.5)",
    qr{^// Catalog items \(docs/gb28181\.md §3\.3\) as store channels, catalog notifications \(§3\.5\)}m ],
  [ qr{field behaviour the reference documents \(§11 quirks table\)},
    "field behaviour of docs/gb28181.md §11 (the quirks table)",
    qr{field behaviour of docs/gb28181\.md §11 \(the quirks table\)} ],
  [ qr{\(docs/gb28181\.md §0, last bullet\)},
    "(docs/gb28181.md §0 \"Request-URI and To\")",
    qr{\(docs/gb28181\.md §0 "Request-URI and To"\)} ],
  [ qr{the packet source anyway, §1\.5\)},
    "the packet source anyway, docs/gb28181.md §1.5)",
    qr{the packet source anyway, docs/gb28181\.md §1\.5\)} ],
  [ qr{^// Wire details the reference insists on,}m,
    "// Wire details docs/gb28181.md insists on,",
    qr{^// Wire details docs/gb28181\.md insists on,}m ],
  [ qr{one timestamp per PS pack, §10\.1\)},
    "one timestamp per PS pack, docs/gb28181.md §10.1)",
    qr{one timestamp per PS pack, docs/gb28181\.md §10\.1\)} ],
  # style.md §8.9 is a list of unrelated findings; only this citation of it is known.
  [ qr{ZLMediaKit\x27s no-data timeout, (?:$SHARED)style\.md §8\.9\)},
    "ZLMediaKit\x27s no-data timeout, docs/architecture.md §2)",
    qr{ZLMediaKit\x27s no-data timeout, docs/architecture\.md §2\)} ],
  # contracts.md, where the context says which part of docs/api.md applies.
  [ qr{\((?:$SHARED)contracts\.md, first wave\)},
    "(docs/api.md §3)",
    qr{Health, devices and their catalogs \(docs/api\.md §3\)} ],
  [ qr{\((?:$SHARED)contracts\.md "Simulator flags"\)},
    "(docs/api.md §4 \"Simulator flags\")",
    qr{\(docs/api\.md §4 "Simulator flags"\)} ],
  [ qr{Flag names are a contract \((?:$SHARED)contracts\.md\)},
    "Flag names are a contract (docs/api.md §4)",
    qr{Flag names are a contract \(docs/api\.md §4\)} ],
  [ qr{described in (?:$SHARED)contracts\.md and gateway/config\.ts\.},
    "described in docs/api.md §4 and gateway/config.ts.",
    qr{described in docs/api\.md §4 and gateway/config\.ts\.} ],
  [ qr{\(contracts\.md names\)},
    "(flag names, docs/api.md §4)",
    qr{\(flag names, docs/api\.md §4\)} ],
);
my @hand_hits = (0) x @HAND;
my @hand_done = (0) x @HAND;

for my $file (@files) {
  open(my $in, "<:raw", $file) or die "$file: $!";
  my $text = do { local $/; <$in> };
  close $in;
  my $old = $text;

  # 1. The protocol reference (numbering kept by docs/gb28181.md).
  $text =~ s{${SHARED}\bgb28181-reference(?:\.md)? §}{docs/gb28181.md §}g;
  $text =~ s{\b[Rr]eference §}{docs/gb28181.md §}g;

  # 2. Fixes with context.
  for my $i (0 .. $#HAND) {
    my ($from, $to, $done) = @{ $HAND[$i] };
    my $n = ($text =~ s{$from}{$to}g) || 0;
    $hand_hits[$i] += $n;
    $hand_done[$i] = 1 if $text =~ $done;
  }

  # 3. Generic rules.
  $text =~ s{${SHARED}\bwebrtc-hls-notes(?:\.md)?}{docs/browser-notes.md}g;
  $text =~ s{(?<![\w.-])${SHARED}style\.md ((?:§\d+(?:\.\d+)*(?:, rule \d+)?|rule \d+)(?: "[^"\n]*")?)}{
    my $t = style_target($1, $file); defined $t ? $t : $&
  }ge;
  $text =~ s{(?<![\w.-])${SHARED}contracts\.md}{docs/api.md}g;
  $text =~ s{(?:\.\.|/work)/shared/gb28181-reference\.md}{docs/gb28181.md}g;
  $text =~ s{/work/shared/vectors}{../shared/vectors}g;

  next if $text eq $old;
  open(my $out, ">:raw", $file) or die "$file: $!";
  print $out $text;
  close $out;
  $changed++;
  print "rewrote $file\n";
  open(my $list, ">>", $ENV{REWRITTEN}) or die "$ENV{REWRITTEN}: $!";
  print $list "$file\n";
  close $list;
}

for my $i (0 .. $#HAND) {
  next if $hand_hits[$i] || $hand_done[$i];
  push @warnings, "hand fix not applied (text not found, old or new): $HAND[$i][0]";
}
print STDERR "apply-doc-citations: warning: $_\n" for @warnings;
print "apply-doc-citations: $changed files rewritten\n";
'

if [ -s "$REWRITTEN" ]; then
  if [ -x node_modules/.bin/prettier ]; then
    # .prettierignore still applies (Markdown is written by hand and never reformatted).
    xargs node_modules/.bin/prettier --write --ignore-unknown --log-level warn <"$REWRITTEN"
  else
    echo "apply-doc-citations: warning: no node_modules/.bin/prettier; run npx prettier --check ." >&2
  fi
fi
