import { PortalScreenCast } from './dist/index.js';
import { GstLaunchRunner } from '../media-gst/dist/index.js';
import { composePipeline } from '../core/dist/index.js';
const src = new PortalScreenCast();
const s = await src.open({ fps: 30 });
const spec = composePipeline({ video: s.video, encoder: 'x264enc tune=zerolatency speed-preset=ultrafast', fps: 30, geometry: s.geometry });
console.log(spec);
try {
  const r = await new GstLaunchRunner().start(spec);
  let n = 0; const t = setTimeout(() => r.stop(), 3000);
  for await (const c of r.output) n += c.length;
  console.log('bytes', n, await r.exited);
} catch (e) { console.log('ERR', e.message); }
await s.close();
