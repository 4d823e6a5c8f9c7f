#!/usr/bin/env python3
"""make report-check: render a report.html in headless Chromium and fail on a blank or broken page
or a chart with no marks. Usage: report-check.py REPORT.html OUT.png"""
import re, struct, subprocess, sys, zlib

def chromium(*args):
    return subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--window-size=1200,4000", *args], capture_output=True, text=True, timeout=120)

def png_pixels(path):
    """Width, height, bytes per pixel and the unfiltered rows of an 8-bit RGB(A) PNG (what Chromium writes)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR": w, h, depth, color = struct.unpack(">IIBB", body[:10])
        if kind == b"IDAT": idat += body
        pos += 12 + n
    assert depth == 8 and color in (2, 6), f"unexpected PNG format {depth}/{color}"
    bpp = 3 if color == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line); prev = line
    return w, h, bpp, rows

def main(report, png):
    shot = chromium(f"--screenshot={png}", f"file://{report}")
    if shot.returncode != 0: sys.exit(f"chromium failed: {shot.stderr[-2000:]}")
    dom = chromium("--dump-dom", f"file://{report}").stdout
    problems = []
    charts = re.findall(r"<svg[^>]*>(.*?)</svg>", dom, re.S)
    if not charts: problems.append("no chart in the rendered page")
    for i, c in enumerate(charts):
        if 'class="mark"' not in c: problems.append(f"chart {i + 1} has no marks")
    for need in ("Score by round", "Failure modes over rounds", "Cost and time", "The prompt"):
        if need not in dom: problems.append(f"section '{need}' is missing from the rendered page")
    w, h, bpp, rows = png_pixels(png)
    # Blank: almost every pixel the same as the top-left one; colour: chart marks are not grey.
    first = bytes(rows[0][:3])
    differ = sum(1 for r in rows[::4] for x in range(0, w * bpp, bpp * 4) if bytes(r[x:x + 3]) != first)
    coloured = sum(1 for r in rows[::4] for x in range(0, w * bpp, bpp * 4) if max(r[x:x + 3]) - min(r[x:x + 3]) > 60)
    if differ < 500: problems.append(f"the page looks blank ({differ} sampled pixels differ from the background)")
    if coloured < 50: problems.append(f"no coloured marks painted ({coloured} sampled coloured pixels)")
    if problems: sys.exit("report-check failed:\n  " + "\n  ".join(problems))
    print(f"report-check: {len(charts)} charts with marks, {differ} drawn and {coloured} coloured sampled pixels; {png}")

if __name__ == "__main__":
    main(*sys.argv[1:3])
