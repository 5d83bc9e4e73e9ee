#!/usr/bin/env python3
"""Prints a /classify JSON result as a readable table: speaker, stance, sentiment, quote."""
import json
import sys
import textwrap

with open(sys.argv[1], encoding="utf-8") as f:
    r = json.load(f)
rows = r.get("quotes", [])
print(f"{len(rows)} quotes (models: {', '.join(f'{k} {v}' for k, v in r.get('models', {}).items())})\n")
print(f"{'speaker':24} {'stance':20} {'sentiment':18} quote")
print("-" * 110)
for q in rows:
    def fmt(c):
        if not c:
            return "-"
        p = c.get("probability")
        return f"{c['label']} {p:.2f}" if isinstance(p, (int, float)) else c["label"]
    spk = (q.get("speaker") or "(unknown)")[:23]
    text = " ".join(q["text"].split())
    lines = textwrap.wrap(text, 46) or [""]
    print(f"{spk:24} {fmt(q.get('stance')):20} {fmt(q.get('sentiment')):18} {lines[0]}")
    for more in lines[1:3]:
        print(f"{'':64} {more}")
    if len(lines) > 3:
        print(f"{'':64} …")
s = r.get("summary", {})
if s.get("speakers"):
    print("\nper speaker: quotes, hardline share, mean sentiment")
    for sp in s["speakers"]:
        share, mean = sp.get("hardline_share"), sp.get("mean_sentiment")
        share = f"{share:.2f}" if isinstance(share, (int, float)) else "-"
        mean = f"{mean:+.2f}" if isinstance(mean, (int, float)) else "-"
        print(f"  {str(sp.get('speaker')):30} {sp.get('quotes'):>3}  {share:>5}  {mean:>6}")
