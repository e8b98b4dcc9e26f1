#version 300 es
// One triangle covering the whole viewport; no vertex buffers (draw 3 vertices, no attributes).
// Shared by program.frag and lut3d.frag. Viewport = output image size, 1 fragment per pixel.
precision highp float;

void main() {
    vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
