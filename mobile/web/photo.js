// A photo or camera frame as the predictor and the shader take it: 8-bit sRGB pixels decoded to
// linear RGB (the IEC 61966-2-1 curve, as exposure.image_io.read_linear decodes 8-bit files),
// and the predictor's thumbnail, the whole frame area-resized to the sidecar's input size
// (exposure.data.area_resize: exact area averaging, aspect ratio not kept).

/** Bad input the user can fix (a file that is not an image, too small). */
export class PhotoError extends Error {}

// The sRGB decoding of the 256 codes, float32 as read_linear gives it (mobile/srgb.py).
const LINEAR = new Float32Array(256).map((_, code) => {
  const c = code / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

/** {width, height, rgba} of an 8-bit frame: a decoded file or the current video frame. */
function pixels(source, width, height) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d", {willReadFrequently: true});
  context.drawImage(source, 0, 0);
  return {width, height, rgba: context.getImageData(0, 0, width, height).data};
}

/** Decodes an image file (upright, no colour conversion); PhotoError if it is not an image. */
export async function decodeFile(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, {
      imageOrientation: "from-image", colorSpaceConversion: "none", premultiplyAlpha: "none"});
  } catch (error) {
    throw new PhotoError(`${file.name}: not an image this browser can decode ` +
                         `(${file.type || "unknown type"})`);
  }
  try {
    return pixels(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

/** The frame a playing <video> shows now. */
export function grabFrame(video) {
  return pixels(video, video.videoWidth, video.videoHeight);
}

/** PhotoError unless the frame is at least `size` pixels on each side. */
export function checkSize(frame, size, name) {
  if (frame.width < size || frame.height < size) {
    throw new PhotoError(`${name} is ${frame.width} x ${frame.height} pixels; the predictor ` +
                         `needs at least ${size} x ${size}`);
  }
}

/** Linear RGB float32 [height][width][3], rows bottom-up (the texture rows gl_FragCoord reads). */
export function linearTexture({width, height, rgba}) {
  const out = new Float32Array(width * height * 3);
  for (let y = 0; y < height; ++y) {
    const source = (height - 1 - y) * width * 4;
    const target = y * width * 3;
    for (let x = 0; x < width; ++x) {
      out[target + 3 * x] = LINEAR[rgba[source + 4 * x]];
      out[target + 3 * x + 1] = LINEAR[rgba[source + 4 * x + 1]];
      out[target + 3 * x + 2] = LINEAR[rgba[source + 4 * x + 2]];
    }
  }
  return out;
}

/** For each of `size` output cells over `n` inputs: {start, weights}, the overlap of the cell
 * (n / size inputs wide) with each input it touches, normalized to sum 1. */
function areaWeights(n, size) {
  const cells = [];
  for (let i = 0; i < size; ++i) {
    const low = i * (n / size);
    const high = (i + 1) * (n / size);
    const start = Math.floor(low);
    const weights = [];
    for (let j = start; j < Math.ceil(high); ++j) {
      weights.push(Math.max(0, Math.min(high, j + 1) - Math.max(low, j)));
    }
    const total = weights.reduce((a, b) => a + b, 0);
    cells.push({start, weights: weights.map((w) => w / total)});
  }
  return cells;
}

/** The linear thumbnail float32 [size][size][3] (top row first) of an 8-bit frame. */
export function thumbnail({width, height, rgba}, size) {
  const rows = areaWeights(height, size);
  const cols = areaWeights(width, size);
  const reduced = new Float64Array(size * width * 3);  // [size][width][3]
  rows.forEach(({start, weights}, i) => {
    weights.forEach((w, k) => {
      const source = (start + k) * width * 4;
      const target = i * width * 3;
      for (let x = 0; x < width; ++x) {
        for (let c = 0; c < 3; ++c) {
          reduced[target + 3 * x + c] += w * LINEAR[rgba[source + 4 * x + c]];
        }
      }
    });
  });
  const out = new Float32Array(size * size * 3);
  for (let i = 0; i < size; ++i) {
    cols.forEach(({start, weights}, j) => {
      for (let c = 0; c < 3; ++c) {
        let sum = 0;
        weights.forEach((w, k) => { sum += w * reduced[(i * width + start + k) * 3 + c]; });
        out[(i * size + j) * 3 + c] = sum;
      }
    });
  }
  return out;
}
