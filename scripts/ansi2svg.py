#!/usr/bin/env python3
"""Convert a terminal capture with ANSI SGR colours (tmux capture-pane -e -p) into an SVG.

Usage: ansi2svg.py IN.ansi OUT.svg [--title TEXT]
Handles the SGR subset terminals use for 16/256 colours: reset, bold, dim, italic, underline,
reverse, 30-37/90-97 and 40-47/100-107, 38;5;N and 48;5;N, 39/49. Other escapes are dropped.
"""
import html
import re
import sys

BASE16 = [
    "#1e1e1e", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#cccccc",
    "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
]
FG, BG = "#d4d4d4", "#1e1e1e"


def xterm256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (v, v, v)


class Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = self.dim = self.italic = self.underline = self.reverse = False

    def key(self):
        return (self.fg, self.bg, self.bold, self.dim, self.italic, self.underline, self.reverse)

    def apply(self, params):
        codes = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 3:
                self.italic = True
            elif c == 4:
                self.underline = True
            elif c == 7:
                self.reverse = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 23:
                self.italic = False
            elif c == 24:
                self.underline = False
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = BASE16[c - 30]
            elif 90 <= c <= 97:
                self.fg = BASE16[c - 90 + 8]
            elif 40 <= c <= 47:
                self.bg = BASE16[c - 40]
            elif 100 <= c <= 107:
                self.bg = BASE16[c - 100 + 8]
            elif c == 39:
                self.fg = None
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                col = xterm256(codes[i + 2])
                if c == 38:
                    self.fg = col
                else:
                    self.bg = col
                i += 2
            i += 1


SGR = re.compile(r"\x1b\[([0-9;]*)m")
OTHER = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07|.)")


def parse(text):
    """Lines of (char, style-key) cells."""
    style = Style()
    lines = []
    for raw in text.split("\n"):
        cells = []
        pos = 0
        while pos < len(raw):
            m = SGR.match(raw, pos)
            if m:
                style.apply(m.group(1))
                pos = m.end()
                continue
            m = OTHER.match(raw, pos)
            if m:
                pos = m.end()
                continue
            cells.append((raw[pos], style.key()))
            pos += 1
        lines.append(cells)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def svg(lines, title):
    cw, ch, pad = 8.4, 17, 12
    cols = max((len(l) for l in lines), default=1)
    top = 28 if title else 0
    w = int(cols * cw + 2 * pad)
    h = int(len(lines) * ch + 2 * pad + top)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">',
        f'<rect width="{w}" height="{h}" rx="6" fill="{BG}"/>',
        '<style>text{font-family:"DejaVu Sans Mono","Menlo","Consolas",monospace;font-size:14px;'
        "white-space:pre}</style>",
    ]
    if title:
        out.append(
            f'<text x="{pad}" y="{pad + 8}" fill="#888">{html.escape(title)}</text>'
        )
    for y, cells in enumerate(lines):
        base = pad + top + y * ch
        x = 0
        while x < len(cells):
            key = cells[x][1]
            run = []
            while x < len(cells) and cells[x][1] == key:
                run.append(cells[x][0])
                x += 1
            fg, bg, bold, dim, italic, underline, reverse = key
            fg, bg = fg or FG, bg
            if reverse:
                fg, bg = (bg or BG), fg
            start = x - len(run)
            px = pad + start * cw
            if bg:
                out.append(
                    f'<rect x="{px:.1f}" y="{base}" width="{len(run) * cw:.1f}" height="{ch}" fill="{bg}"/>'
                )
            txt = "".join(run)
            if txt.strip() == "":
                continue
            attrs = [f'x="{px:.1f}"', f'y="{base + 13}"', f'fill="{fg}"']
            if bold:
                attrs.append('font-weight="bold"')
            if dim:
                attrs.append('opacity="0.6"')
            if italic:
                attrs.append('font-style="italic"')
            if underline:
                attrs.append('text-decoration="underline"')
            attrs.append(f'textLength="{len(run) * cw:.1f}" lengthAdjust="spacingAndGlyphs"')
            out.append(f"<text {' '.join(attrs)}>{html.escape(txt)}</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    args = sys.argv[1:]
    title = ""
    if "--title" in args:
        i = args.index("--title")
        title = args[i + 1]
        del args[i : i + 2]
    src, dst = args
    with open(src, encoding="utf-8", errors="replace") as f:
        lines = parse(f.read())
    with open(dst, "w", encoding="utf-8") as f:
        f.write(svg(lines, title))


if __name__ == "__main__":
    main()
