// program.frag (mobile/shaders/, unmodified GLSL ES 3.00) in WebGL2: the linear photo as an
// RGB32F texture read 1:1 with texelFetch, one full-screen triangle into the canvas (RGBA8), the
// program as uniforms (layout in mobile/manifest.py).

/** The browser cannot run the shaders (no WebGL2, or a photo beyond its limits). */
export class RenderError extends Error {}

function compile(gl, type, source, name) {
  const shader = gl.createShader(type);
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
    throw new RenderError(`shaders/${name} does not compile here: ${gl.getShaderInfoLog(shader)}`);
  }
  return shader;
}

export class ProgramRenderer {
  /** `sources`: {vertex, fragment} shader texts. RenderError without WebGL2. */
  constructor(canvas, sources) {
    const gl = canvas.getContext("webgl2", {
      alpha: false, antialias: false, depth: false, stencil: false, premultipliedAlpha: false,
      preserveDrawingBuffer: true});  // the saved JPEG and read() see the last drawn image
    if (!gl) {
      throw new RenderError("This browser has no WebGL2, which the retouching shaders need: " +
                            "use a current Chrome, Firefox, Safari (15+) or Edge, and check " +
                            "that hardware acceleration is not turned off");
    }
    this.canvas = canvas;
    this.gl = gl;
    const program = gl.createProgram();
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, sources.vertex, "fullscreen.vert"));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, sources.fragment, "program.frag"));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
      throw new RenderError(`the shaders do not link here: ${gl.getProgramInfoLog(program)}`);
    }
    this.program = program;
    this.locations = Object.fromEntries(["u_image", "u_num_steps", "u_filter", "u_params"].map(
        (name) => [name, gl.getUniformLocation(program, name)]));
    this.maxSize = Math.min(gl.getParameter(gl.MAX_TEXTURE_SIZE),
                            ...gl.getParameter(gl.MAX_VIEWPORT_DIMS));
    this.texture = gl.createTexture();
    gl.bindVertexArray(gl.createVertexArray());  // fullscreen.vert reads no attributes
  }

  /** Uploads the linear image float32 [height][width][3] (rows bottom-up); sizes the canvas. */
  setImage(linear, width, height) {
    if (width > this.maxSize || height > this.maxSize) {
      throw new RenderError(`${width} x ${height} pixels is beyond this device's GPU limit of ` +
                            `${this.maxSize} pixels a side`);
    }
    const gl = this.gl;
    this.canvas.width = width;
    this.canvas.height = height;
    if (gl.drawingBufferWidth !== width || gl.drawingBufferHeight !== height) {
      throw new RenderError(`${width} x ${height} pixels is beyond what this browser draws ` +
                            `(${gl.drawingBufferWidth} x ${gl.drawingBufferHeight})`);
    }
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.texture);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGB32F, width, height, 0, gl.RGB, gl.FLOAT, linear);
    // NEAREST: the default mipmapped filter leaves the texture incomplete (mobile/README.md).
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
  }

  /** Draws the image through the program: {numSteps, filter Int32Array, params Float32Array}. */
  draw({numSteps, filter, params}) {
    const gl = this.gl;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.useProgram(this.program);
    gl.uniform1i(this.locations.u_image, 0);
    gl.uniform1i(this.locations.u_num_steps, numSteps);
    gl.uniform1iv(this.locations.u_filter, filter);
    gl.uniform4fv(this.locations.u_params, params);
    gl.drawArrays(gl.TRIANGLES, 0, 3);
  }

  /** The drawn image as RGBA8 codes, rows bottom-up. */
  read() {
    const gl = this.gl;
    const out = new Uint8Array(this.canvas.width * this.canvas.height * 4);
    gl.readPixels(0, 0, this.canvas.width, this.canvas.height, gl.RGBA, gl.UNSIGNED_BYTE, out);
    return out;
  }
}
