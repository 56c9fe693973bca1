import { describe, expect, it } from 'vitest';
import { elementExists, inspectElement, parsePluginFeatures, pluginFeatures } from './gst-inspect.js';

describe('parsePluginFeatures', () => {
  const header = [
    'Plugin Details:',
    '  Name                     va',
    '  Description              VA-API codecs plugin',
    '  Version                  1.22.0',
    '',
  ].join('\n');
  const cases: Array<[string, string, string[]]> = [
    ['elements of a loaded plugin', `${header}  vah264dec: VA-API H.264 Decoder\n  vah264enc: VA-API H.264 Encoder\n  vapostproc: VA-API Video Postprocessor\n\n  3 features:\n  +-- 3 elements\n`, ['vah264dec', 'vah264enc', 'vapostproc']],
    ['a plugin that registered nothing (no device)', `${header}\n  0 features:\n`, []],
    ['header fields written with a colon are not features', '  Name: nvcodec\n  Version: 1.22.0\n  nvh264enc: NVENC H.264 Video Encoder\n', ['nvh264enc']],
    ['empty output', '', []],
  ];
  it.each(cases)('%s', (_name, stdout, expected) => expect(parsePluginFeatures(stdout)).toEqual(expected));
});

describe('gst-inspect-1.0 on this machine (real GStreamer)', () => {
  it('knows a core element and not a made-up one', async () => {
    expect(await inspectElement('fdsink')).toBe('present');
    expect(await inspectElement('nosuchelement42')).toBe('absent');
    expect(await elementExists('fdsink')).toBe(true);
    expect(await elementExists('nosuchelement42')).toBe(false);
  });

  it('counts an element whose plugin is versioned apart from GStreamer (pipewiresrc, gstreamer1.0-pipewire)', async () => {
    expect(await elementExists('pipewiresrc')).toBe(true);
  });

  it('memoises per element', async () => {
    expect(inspectElement('videotestsrc')).toBe(inspectElement('videotestsrc'));
  });

  it('lists a plugin’s elements, and undefined for a plugin that does not exist', async () => {
    expect(await pluginFeatures('coreelements')).toEqual(expect.arrayContaining(['fdsink', 'identity', 'queue']));
    expect(await pluginFeatures('nosuchplugin42')).toBeUndefined();
  });
});
