import { describe, expect, it } from "vitest";
import { renderRateLines, renderStackedBars } from "../../../src/console/render/render-charts.ts";

const rects = (svg: string) => [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="([^"]+)"><title>([^<]*)<\/title>/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), h: Number(m[4]), fill: m[5], title: m[6] }));

describe("renderStackedBars", () => {
  it("stacks each category's segments in series order, heights proportional to the values, empty ones left out", () => {
    const svg = renderStackedBars({
      label: "runs",
      categories: ["2026-03-01", "2026-03-02"],
      series: [
        { name: "completed", color: "#0f0", values: [2, 0] },
        { name: "failed", color: "#f00", values: [2, 1] },
      ],
    });
    const r = rects(svg);
    expect(r.map((x) => x.title)).toEqual(["2026-03-01: 2 completed", "2026-03-01: 2 failed", "2026-03-02: 1 failed"]);
    const [completed, failed, second] = r as [(typeof r)[0], (typeof r)[0], (typeof r)[0]];
    expect(completed.h).toBeCloseTo(failed.h, 1);
    expect(second.h * 2).toBeCloseTo(failed.h, 0);
    // The second segment sits on top of the first.
    expect(failed.y + failed.h).toBeCloseTo(completed.y, 1);
    expect(second.x).toBeGreaterThan(completed.x);
    expect(svg).toContain('aria-label="runs"');
  });

  it("escapes names and draws an empty chart for no data", () => {
    const svg = renderStackedBars({ label: "<x>", categories: ["2026-03-01"], series: [{ name: "<b>", color: "#000", values: [0] }] });
    expect(svg).not.toContain("<b>");
    expect(svg).toContain("&lt;b&gt;");
    expect(rects(svg)).toEqual([]);
  });
});

describe("renderRateLines", () => {
  it("a null leaves a gap: the line starts again after it; values map 0..1 onto the plot", () => {
    const svg = renderRateLines({ label: "acceptance", categories: ["a-01-01", "a-01-08", "a-01-15", "a-01-22"], series: [{ name: "rule", values: [0, null, 1, 0.5] }] });
    const d = /<path d="([^"]+)"/.exec(svg)![1]!;
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d.match(/L/g)).toHaveLength(1);
    const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys).toHaveLength(3);
    expect((ys[0]! + ys[1]!) / 2).toBeCloseTo(ys[2]!, 1);
    expect(svg).toContain("<title>rule, a-01-22: 50%</title>");
  });
});
