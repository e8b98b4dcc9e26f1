#version 300 es
// Renders a program baked into a 3D LUT (mobile/lut.py conventions) at full resolution:
// encode the linear input with the sRGB curve, then tetrahedral interpolation between the
// LUT's nodes, the method of mobile.lut.apply (and of ffmpeg's lut3d, Resolve).
//
// Input:  u_image, linear RGB, read 1:1 with texelFetch (RGB32F / RGBA32F / RGBA16F).
// u_lut:  3D texture N x N x N (N >= 2), texel (x, y, z) = output for the sRGB-encoded input
//         (x, y, z) / (N - 1) in (r, g, b): the bytes of mobile.lut.bake(program, N) in C order.
//         RGB16F or RGB32F; texelFetch only, so no float filtering extension is needed.
// Output: display values (sRGB-encoded), clamped to [0, 1]; render into RGBA8.
precision highp float;
precision highp int;
precision highp sampler2D;
precision highp sampler3D;

// IEC 61966-2-1 (sRGB) transfer function, as mobile/srgb.py.
const float SRGB_LINEAR_THRESHOLD = 0.0031308;
const float SRGB_SLOPE = 12.92;
const float SRGB_ALPHA = 0.055;
const float SRGB_GAMMA = 2.4;

uniform highp sampler2D u_image;
uniform highp sampler3D u_lut;

out vec4 o_color;

vec3 linear_to_srgb(vec3 x) {
    x = clamp(x, 0.0, 1.0);
    vec3 power = (1.0 + SRGB_ALPHA) * pow(x, vec3(1.0 / SRGB_GAMMA)) - SRGB_ALPHA;
    return mix(x * SRGB_SLOPE, power, greaterThan(x, vec3(SRGB_LINEAR_THRESHOLD)));
}

vec3 node(ivec3 index) {
    return texelFetch(u_lut, index, 0).rgb;
}

void main() {
    vec3 srgb = linear_to_srgb(texelFetch(u_image, ivec2(gl_FragCoord.xy), 0).rgb);
    int nodes = textureSize(u_lut, 0).x - 1;
    vec3 coords = srgb * float(nodes);
    vec3 base = min(floor(coords), vec3(float(nodes - 1)));
    vec3 f = coords - base;
    ivec3 origin = ivec3(base);
    // Walk from the base node along the axis of the largest fraction, then the middle one.
    ivec3 axis_max = f.r >= f.g ? (f.r >= f.b ? ivec3(1, 0, 0) : ivec3(0, 0, 1))
                                : (f.g >= f.b ? ivec3(0, 1, 0) : ivec3(0, 0, 1));
    ivec3 axis_min = f.b <= f.g ? (f.b <= f.r ? ivec3(0, 0, 1) : ivec3(1, 0, 0))
                                : (f.g <= f.r ? ivec3(0, 1, 0) : ivec3(1, 0, 0));
    float f_max = max(max(f.r, f.g), f.b);
    float f_min = min(min(f.r, f.g), f.b);
    float f_mid = f.r + f.g + f.b - f_max - f_min;
    vec3 result = (1.0 - f_max) * node(origin)
                + (f_max - f_mid) * node(origin + axis_max)
                + (f_mid - f_min) * node(origin + ivec3(1) - axis_min)
                + f_min * node(origin + ivec3(1));
    o_color = vec4(clamp(result, 0.0, 1.0), 1.0);
}
