/** Which Debian/Ubuntu package provides a GStreamer element, for error messages. */
const ELEMENT_PACKAGES: Record<string, string> = {
  videotestsrc: 'gstreamer1.0-plugins-base',
  audiotestsrc: 'gstreamer1.0-plugins-base',
  videoconvert: 'gstreamer1.0-plugins-base',
  videoscale: 'gstreamer1.0-plugins-base',
  videorate: 'gstreamer1.0-plugins-base',
  audioconvert: 'gstreamer1.0-plugins-base',
  audioresample: 'gstreamer1.0-plugins-base',
  timeoverlay: 'gstreamer1.0-plugins-base',
  clockoverlay: 'gstreamer1.0-plugins-base',
  videocrop: 'gstreamer1.0-plugins-good',
  aacparse: 'gstreamer1.0-plugins-good',
  ximagesrc: 'gstreamer1.0-plugins-good',
  pulsesrc: 'gstreamer1.0-pulseaudio',
  pipewiresrc: 'gstreamer1.0-pipewire',
  x264enc: 'gstreamer1.0-plugins-ugly',
  h264parse: 'gstreamer1.0-plugins-bad',
  mpegtsmux: 'gstreamer1.0-plugins-bad',
  openh264enc: 'gstreamer1.0-plugins-bad',
  vah264enc: 'gstreamer1.0-plugins-bad (and a VA-API driver)',
  vapostproc: 'gstreamer1.0-plugins-bad (and a VA-API driver)',
  nvh264enc: 'gstreamer1.0-plugins-bad (and the NVIDIA driver)',
  vaapih264enc: 'gstreamer1.0-vaapi',
  avenc_aac: 'gstreamer1.0-libav',
  fdsink: 'libgstreamer1.0-0',
  queue: 'libgstreamer1.0-0',
};

export function packageForElement(element: string): string {
  return ELEMENT_PACKAGES[element] ?? 'the GStreamer plugin package that provides it';
}

export const GST_TOOLS_PACKAGE = 'gstreamer1.0-tools';
