// results.json → results.md (tables) and SVG charts.
import { bar, barChart } from './svg.mjs';
import { fmt } from './stats.mjs';

const row = (cells) => `| ${cells.join(' | ')} |`;
const table = (head, rows) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

export function markdown(r) {
  const m = r.machine;
  const out = [
    `# pixelpass benchmark results`,
    '',
    `${r.date} · \`${r.command}\` · ${r.elapsedSeconds} s · ${r.failures.length ? `**${r.failures.length} failure(s)**` : 'no failures'}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}, ${m.gstreamer}; load average ${m.loadavgAtStart.join(' ')} at start, ${m.loadavgAtEnd.join(' ')} at end${m.commit ? `; commit ${m.commit}` : ''}.`,
    '',
    'Figures: median (min–max) over the runs named in each section; comparisons are measured in the same run, interleaved.',
    '',
  ];
  const { tunnel, fanout, join, latency, memory, encoders, x11, wayland, publish, flip } = r.results;
  if (tunnel?.sizes) {
    out.push(`## Tunnel throughput (${tunnel.rounds} rounds × ${tunnel.seconds} s)`, '');
    out.push(
      table(
        ['chunk', 'path', 'MB/s', 'CPU s/MB (host+viewer)', 'host CPU s/MB', 'viewer CPU s/MB'],
        tunnel.sizes.flatMap((s) =>
          [
            ['bare iroh, pre-converted (ceiling)', s.ceiling],
            ['bare iroh, converting each chunk', s.bareConvert],
            ['pixelpass (hub → iroh → local HTTP)', s.pixelpass],
          ].map(([name, p]) => [`${s.chunkBytes} B`, name, fmt(p.mbps, 2), fmt(p.cpuPerMB, 3), fmt(p.hostCpuPerMB, 3), fmt(p.viewerCpuPerMB, 3)]),
        ),
      ),
      '',
      ...tunnel.sizes.map(
        (s) =>
          `- chunk ${s.chunkBytes} B: throughput pixelpass / ceiling = **${fmt(s.ratio, 2)}** (pixelpass / bare-with-conversion = ${fmt(s.ratioConvert, 2)}); ` +
          `efficiency, ceiling's CPU per MB / pixelpass's = **${fmt(s.costRatio, 2)}** (per-round ratios).`,
      ),
      '',
    );
  }
  if (fanout?.levels) {
    out.push(`## Fan-out at ${(fanout.rateBytesPerSec * 8) / 1e6} Mbit/s (${fanout.rounds} round(s) × ${fanout.windows} windows × ${fanout.windowSeconds} s)`, '');
    out.push(
      table(
        ['viewers', 'host CPU %', 'host RSS MiB', 'received / sent (worst viewer)'],
        fanout.levels.map((l) => [l.viewers, fmt(l.cpuPercent), fmt(l.rssMiB, 0), l.viewers ? `${(l.keptUp.min * 100).toFixed(1)} %` : '–']),
      ),
      '',
      `First viewer: ${fanout.firstViewerCpuPercent.toFixed(1)} % CPU; each further viewer: ${fanout.marginalViewerCpuPercent.toFixed(1)} % = **${(fanout.marginalOverFirst * 100).toFixed(0)} %** of the first (medians, (8 − 1 viewers) / 7).`,
      '',
    );
  }
  if (join?.configs) {
    out.push(`## Join time (${join.joins} joins per setting; ffmpeg start → first decoded frame)`, '');
    out.push(
      table(
        ['keyframe interval', 'instant join', 'p50 ms', 'p95 ms', 'min–max ms'],
        join.configs.map((c) => [`${c.keyframeInterval} s`, c.join ?? (c.instantJoin ? 'replay' : 'wait'), c.ms.median.toFixed(0), c.ms.p95.toFixed(0), `${c.ms.min.toFixed(0)}–${c.ms.max.toFixed(0)}`]),
      ),
      '',
      `ffmpeg's own start-up to a first frame from a synthetic source (no network): ${fmt(join.ffmpegFloorMs, 0)} ms.`,
      '',
    );
  }
  if (latency?.tunnel) {
    out.push(`## Encoder-to-decoder latency, a component figure (${latency.rounds} rounds × ${latency.seconds} s, both paths decoded at once)`, '');
    out.push(
      table(
        ['path', 'p50 ms', 'p95 ms'],
        [
          ['gst → hub → iroh → local HTTP → ffmpeg', fmt(latency.tunnel.p50), fmt(latency.tunnel.p95)],
          ['gst → plain local HTTP → ffmpeg (no tunnel)', fmt(latency.direct.p50), fmt(latency.direct.p95)],
        ],
      ),
      '',
      `The tunnel adds ${fmt(latency.tunnelAddsMs)} ms at the median (per-round difference of p50s).`,
      '',
    );
  }
  if (memory?.levels) {
    out.push(`## Memory of \`pixelpass host --source test\` (${memory.rounds} round(s), ${memory.samplesPerLevel} samples per level)`, '');
    out.push(table(['viewers', 'host (Node) RSS MiB', 'media process RSS MiB'], memory.levels.map((l) => [l.viewers, fmt(l.hostRssMiB, 0), fmt(l.gstRssMiB, 0)])), '');
  }
  if (encoders?.encoders) {
    out.push('## Encoder cost (bench/encoders.mjs)', '');
    const rows = [];
    for (const e of encoders.encoders) {
      for (const [size, s] of Object.entries(e.sizes)) {
        rows.push([e.id, size, fmt(s.cpuSecPerEncodedSec, 2), fmt(s.encoderCpuSecPerEncodedSec, 2), fmt(s.bitrateKbps, 0), fmt(s.speedXRealtime, 1)]);
      }
    }
    out.push(table(['encoder', 'size', 'CPU s per encoded s', 'encoder only', 'kbit/s out', '× realtime'], rows), '');
    for (const s of encoders.skipped ?? []) out.push(`- ${s.id}: not measured (${s.reason})`);
    out.push('');
  } else if (encoders?.skipped) out.push('## Encoder cost', '', `Not measured: ${encoders.skipped}.`, '');
  if (x11?.results) {
    out.push('## X11 capture (bench/x11-capture.mjs, one run each)', '');
    out.push(table(['case', 'gst CPU %', 'Xvfb CPU %', 'total CPU %', 'fps delivered'], x11.results.map((c) => [c.name, c.gstCpuPercent, c.xvfbCpuPercent, c.totalCpuPercent, c.deliveredFps])), '');
  } else if (x11?.skipped) out.push('## X11 capture', '', `Not measured: ${x11.skipped}.`, '');
  if (wayland?.results) {
    out.push(`## Wayland capture (bench/wayland-capture.mjs, ${wayland.compositor}, one run each)`, '');
    const names = [...new Set(wayland.results.flatMap((c) => Object.keys(c.cpuPercent)))];
    out.push(
      table(
        ['process (CPU % of one core)', ...wayland.results.map((c) => c.name)],
        [
          ...names.map((n) => [n, ...wayland.results.map((c) => c.cpuPercent[n] ?? '–')]),
          ['**sharing, host side**', ...wayland.results.map((c) => c.shareCpuPercent)],
          ['size, fps delivered', ...wayland.results.map((c) => `${c.size}, ${c.deliveredFps}`)],
        ],
      ),
      '',
    );
  } else if (wayland?.skipped) out.push('## Wayland capture', '', `Not measured: ${wayland.skipped}.`, '');
  if (publish?.with) {
    out.push(`## Publishing (bench/publish.mjs, ${publish.rounds} rounds × ${publish.windowSeconds} s, interleaved)`, '');
    out.push(`Host: \`pixelpass host ${publish.host}\` with one P2P viewer; "with" adds \`--publish srt://127.0.0.1:PORT\` to a local srt-live-transmit. CPU % of one core.`, '');
    out.push(
      table(
        ['case', 'host total CPU %', 'node CPU %', 'media process CPU %', 'ffmpeg CPU %'],
        [
          ['without a publish', fmt(publish.without.totalCpuPercent), fmt(publish.without.nodeCpuPercent), fmt(publish.without.mediaCpuPercent), '–'],
          ['with one publish', fmt(publish.with.totalCpuPercent), fmt(publish.with.nodeCpuPercent), fmt(publish.with.mediaCpuPercent), fmt(publish.with.ffmpegCpuPercent)],
        ],
      ),
      '',
      `The publish's own cost (its ffmpeg + the node process's extra): ${publish.publishCostCpuPercent} % of a core; host total ${publish.totalDeltaCpuPercent >= 0 ? '+' : ''}${publish.totalDeltaCpuPercent} points (${publish.totalDeltaRelativePercent} %). Glass-to-glass over SRT: ${publish.glassToGlass?.skipped ?? 'n/a'}.`,
      '',
    );
  } else if (publish?.skipped) out.push('## Publishing', '', `Not measured: ${publish.skipped}.`, '');
  if (flip?.summary) {
    const s = flip.summary;
    // Flip figures are plain numbers (not summaries): fmt would say n/a.
    const p = (v) => (v?.p50 === undefined || v?.p50 === null ? '—' : `${Number(v.p50).toFixed(1)}${v.missed ? ` (${v.missed} missed)` : ''}`);
    out.push(`## Flip test: glass to glass as a person sees it (bench/flip.mjs, ${flip.rounds} rounds × ${flip.seconds} s, loopback, 720p x264)`, '');
    out.push(
      table(
        ['scenario', 'first viewer p50 ms', 'late joiner p50 ms', 'first viewer while the late one watches', 'first picture ms'],
        Object.entries(s).map(([name, v]) => [name, p(v.first ?? v.floor), p(v.late), p(v.firstDuringLateJoin), v.firstPictureMs === undefined ? '—' : Number(v.firstPictureMs).toFixed(0)]),
      ),
      '',
    );
    const ratio = (a, b) => (a?.p50 && b?.p50 ? (a.p50 / b.p50).toFixed(2) : '—');
    out.push(
      `Same-run ratios: late joiner / first viewer ${ratio(s.pixelpass?.late, s.pixelpass?.first)} (target ≤ 1.2); pixelpass / bare gst pipeline with the same encoder and player flags ${ratio(s.pixelpass?.first, s.bare?.first)} (target ≤ 1.1). The floor is what the measuring chain itself adds.`,
      '',
    );
  }
  if (r.failures.length) out.push('## Failures', '', ...r.failures.map((f) => `- ${f}`), '');
  return `${out.join('\n')}\n`;
}

export function charts(r) {
  const out = {};
  const { tunnel, fanout, join, latency, memory, encoders } = r.results;
  if (tunnel?.sizes) {
    out['tunnel.svg'] = barChart({
      title: 'Tunnel throughput (median, min–max)',
      unit: 'MB/s',
      groups: tunnel.sizes.map((s) => ({
        label: `${s.chunkBytes} B chunks`,
        bars: [bar('bare iroh (ceiling)', s.ceiling.mbps), bar('bare iroh + conversion', s.bareConvert.mbps), bar('pixelpass', s.pixelpass.mbps)],
      })),
    });
  }
  if (fanout?.levels) {
    out['fanout.svg'] = barChart({
      title: `Host CPU at ${(fanout.rateBytesPerSec * 8) / 1e6} Mbit/s by viewers`,
      unit: 'CPU % of one core',
      groups: fanout.levels.map((l) => ({ label: `${l.viewers} viewer${l.viewers === 1 ? '' : 's'}`, bars: [bar('host CPU %', l.cpuPercent)] })),
    });
  }
  if (join?.configs) {
    out['join.svg'] = barChart({
      title: 'Join time: connect → first decoded frame',
      unit: 'ms',
      groups: join.configs.map((c) => ({
        label: `key ${c.keyframeInterval} s, ${c.join ?? (c.instantJoin ? 'replay' : 'wait')}`,
        bars: [
          { series: 'p50', value: c.ms.median },
          { series: 'p95', value: c.ms.p95 },
        ],
      })),
    });
  }
  if (latency?.tunnel) {
    out['latency.svg'] = barChart({
      title: 'Encoder input to decoder output (component figure; median over rounds, min–max)',
      unit: 'ms',
      groups: [
        { label: 'p50', bars: [bar('pixelpass tunnel', latency.tunnel.p50), bar('no tunnel', latency.direct.p50)] },
        { label: 'p95', bars: [bar('pixelpass tunnel', latency.tunnel.p95), bar('no tunnel', latency.direct.p95)] },
      ],
    });
  }
  if (memory?.levels) {
    out['memory.svg'] = barChart({
      title: 'Host RSS by viewers',
      unit: 'MiB',
      groups: memory.levels.map((l) => ({ label: `${l.viewers} viewer${l.viewers === 1 ? '' : 's'}`, bars: [bar('host (Node)', l.hostRssMiB), bar('media process', l.gstRssMiB)] })),
    });
  }
  if (encoders?.encoders?.length) {
    const sizes = [...new Set(encoders.encoders.flatMap((e) => Object.keys(e.sizes)))];
    out['encoders.svg'] = barChart({
      title: 'Encoder CPU per encoded second',
      unit: 'CPU s / encoded s',
      groups: sizes.map((size) => ({ label: size, bars: encoders.encoders.filter((e) => e.sizes[size]).map((e) => bar(e.id, e.sizes[size].cpuSecPerEncodedSec)) })),
    });
  }
  return out;
}
