import type { EpochLogs } from './progress.ts';

interface Series {
  label: string;
  color: string;
  values: number[];
  dashed?: boolean;
}

const W = 420;
const H = 260;
const PAD = { left: 48, right: 12, top: 28, bottom: 36 };

function panel(title: string, series: Series[], x0: number, yRange: [number, number]): string {
  const n = Math.max(...series.map((s) => s.values.length));
  const [lo, hi] = yRange;
  const px = (i: number) => x0 + PAD.left + (n <= 1 ? 0 : (i / (n - 1)) * (W - PAD.left - PAD.right));
  const py = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo || 1)) * (H - PAD.top - PAD.bottom);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => lo + t * (hi - lo));
  const grid = ticks
    .map((v) => `<line x1="${x0 + PAD.left}" x2="${x0 + W - PAD.right}" y1="${py(v)}" y2="${py(v)}" stroke="#ddd"/><text x="${x0 + PAD.left - 6}" y="${py(v) + 4}" text-anchor="end">${v.toFixed(3)}</text>`)
    .join('');
  const xTicks = Array.from({ length: n }, (_, i) => `<text x="${px(i)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${i + 1}</text>`).join('');
  const lines = series
    .map((s) => {
      const points = s.values.map((v, i) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
      return `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''} points="${points}"/>`;
    })
    .join('');
  const legend = series
    .map((s, i) => `<text x="${x0 + PAD.left + 8 + i * 120}" y="${PAD.top - 10}" fill="${s.color}">${s.dashed ? '- -' : '——'} ${s.label}</text>`)
    .join('');
  return `<g><text x="${x0 + W / 2}" y="14" text-anchor="middle" font-weight="bold">${title}</text>${grid}${xTicks}${lines}${legend}<text x="${x0 + W / 2}" y="${H - 4}" text-anchor="middle">epoch</text></g>`;
}

/**
 * Training curves (loss and accuracy, train vs validation) as a standalone SVG: opens in any
 * browser or image viewer and needs no plotting dependency.
 */
export function renderCurvesSvg(epochs: EpochLogs[]): string {
  const losses = epochs.flatMap((e) => [e.loss, e.valLoss]);
  const accs = epochs.flatMap((e) => [e.accuracy, e.valAccuracy]);
  const loss = panel('loss', [
    { label: 'train', color: '#1f77b4', values: epochs.map((e) => e.loss) },
    { label: 'validation', color: '#d62728', values: epochs.map((e) => e.valLoss), dashed: true },
  ], 0, [0, Math.max(...losses) * 1.05]);
  const acc = panel('accuracy', [
    { label: 'train', color: '#1f77b4', values: epochs.map((e) => e.accuracy) },
    { label: 'validation', color: '#d62728', values: epochs.map((e) => e.valAccuracy), dashed: true },
  ], W, [Math.min(...accs) * 0.98, 1]);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H}" font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/>${loss}${acc}</svg>\n`;
}
