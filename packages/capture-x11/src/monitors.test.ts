import { describe, expect, it } from 'vitest';
import { NoSuchMonitor, parseMonitors, selectMonitor } from './monitors.js';

const LAPTOP_AND_DP = `Monitors: 2
 0: +*eDP-1 1920/344x1080/194+0+0  eDP-1
 1: +DP-1 2560/597x1440/336+1920+0  DP-1
`;
const XVFB_SPLIT = `Monitors: 3
 0: LEFT 960/254x1080/286+0+0 
 1: RIGHT 960/254x1080/286+960+0 
 2: +screen 1920/508x1080/286+0+0  screen
`;
const TILED = `Monitors: 1
 0: +*DP-1~1 3840/600x2160/340+0+0  DP-1 DP-2
`;

describe('parseMonitors', () => {
  it.each([
    ['laptop + external', LAPTOP_AND_DP, [
      { index: 0, name: 'eDP-1', primary: true, automatic: true, x: 0, y: 0, width: 1920, height: 1080, outputs: ['eDP-1'] },
      { index: 1, name: 'DP-1', primary: false, automatic: true, x: 1920, y: 0, width: 2560, height: 1440, outputs: ['DP-1'] },
    ]],
    ['user monitors without outputs (xrandr --setmonitor … none)', XVFB_SPLIT, [
      { index: 0, name: 'LEFT', primary: false, automatic: false, x: 0, y: 0, width: 960, height: 1080, outputs: [] },
      { index: 1, name: 'RIGHT', primary: false, automatic: false, x: 960, y: 0, width: 960, height: 1080, outputs: [] },
      { index: 2, name: 'screen', primary: false, automatic: true, x: 0, y: 0, width: 1920, height: 1080, outputs: ['screen'] },
    ]],
    ['a monitor made of two outputs (tiled 4K)', TILED, [
      { index: 0, name: 'DP-1~1', primary: true, automatic: true, x: 0, y: 0, width: 3840, height: 2160, outputs: ['DP-1', 'DP-2'] },
    ]],
    ['negative offsets as xrandr prints them', ' 0: +HDMI-1 1366/410x767/230+-1366+0  HDMI-1\n', [
      { index: 0, name: 'HDMI-1', primary: false, automatic: true, x: -1366, y: 0, width: 1366, height: 767, outputs: ['HDMI-1'] },
    ]],
    ['no monitors', 'Monitors: 0\n', []],
    ['garbage', 'xrandr: Failed to get size of gamma for output default\n', []],
  ])('%s', (_name, text, expected) => {
    expect(parseMonitors(text)).toEqual(expected);
  });
});

describe('selectMonitor', () => {
  const monitors = parseMonitors(LAPTOP_AND_DP + ' 2: 1 800/200x600/150+4480+0 \n');
  it.each([
    ['exact name', 'DP-1', 'DP-1'],
    ['name, any case', 'edp-1', 'eDP-1'],
    ['index', '0', 'eDP-1'],
    ['a name that looks like an index wins over the index', '1', '1'],
    ['surrounding spaces', ' DP-1 ', 'DP-1'],
  ])('%s', (_name, spec, expected) => {
    expect(selectMonitor(monitors, spec).name).toBe(expected);
  });

  it.each([
    ['unknown name', 'HDMI-2', /no monitor "HDMI-2"; available: 0: eDP-1 1920x1080\+0\+0 \(primary\); 1: DP-1 2560x1440\+1920\+0/],
    ['unknown index', '7', /no monitor "7"/],
  ])('%s lists what exists', (_name, spec, message) => {
    expect(() => selectMonitor(monitors, spec)).toThrow(NoSuchMonitor);
    expect(() => selectMonitor(monitors, spec)).toThrow(message);
  });

  it('says so when RandR lists nothing', () => {
    expect(() => selectMonitor([], '0')).toThrow(/available: none/);
  });
});
