#version 300 es
// Renders a retouch program (mobile/program.py) at full resolution in one pass: the pixel
// formulas of mobile/registry.py, step by step, driven by uniforms (layout in mobile/manifest.py).
// tests/mobile/test_registry.py checks the branches of apply_step (one per filter, reading its
// operator-parameter slots) and the constants below against the registry.
//
// Input:  u_image, linear RGB (scene-referred, 1.0 = display white), read 1:1 with texelFetch,
//         so any float format works (RGB32F / RGBA32F / RGBA16F; no filtering needed).
// Output: the program's display values (sRGB-encoded), clamped to [0, 1]; render into RGBA8.
//
// highp everywhere: in fp16 (mediump) arithmetic chained programs miss the 1/255 target, and
// saturation on near-grey pixels by tens of codes (tests/mobile/test_fp16_reference.py,
// numbers in mobile/README.md).
precision highp float;
precision highp int;
precision highp sampler2D;

#define MAX_STEPS 8
#define VEC4_PER_STEP 6

// Filter ids: each filter's shader_id in mobile/registry.py (checked by test_manifest.py).
#define FILTER_EXPOSURE 0
#define FILTER_GAMMA 1
#define FILTER_WHITE_BALANCE 2
#define FILTER_SATURATION 3
#define FILTER_TONE_CURVE 4
#define FILTER_CONTRAST 5
#define FILTER_BLACK_AND_WHITE 6
#define FILTER_COLOR_CURVE 7
#define FILTER_LEVEL 8

const float GAMMA_FLOOR = 0.001;      // gamma input clamp (authors' code, docs/exposure.md)
const float SATURATION_GAIN = 0.8;    // Exposure supplement, saturation filter
const float GREY_TOLERANCE = 1e-5;    // saturation: max - min at or below this is grey (registry)
const float CONTRAST_EPSILON = 1e-6;  // authors' code, contrast filter
const float LEVEL_EPSILON = 1e-6;     // authors' code, level filter
const float PI = 3.14159265358979;
const vec3 LUMINANCE = vec3(0.27, 0.67, 0.06);  // Exposure supplement, Lum(p)
const vec4 KNOTS_LOW = vec4(0.0, 1.0, 2.0, 3.0) / 8.0;   // 8 curve segments (paper, 4.2)
const vec4 KNOTS_HIGH = vec4(4.0, 5.0, 6.0, 7.0) / 8.0;

uniform highp sampler2D u_image;
uniform int u_num_steps;                               // 0 .. MAX_STEPS
uniform int u_filter[MAX_STEPS];                       // filter id per step
uniform vec4 u_params[MAX_STEPS * VEC4_PER_STEP];      // op params of step s: vec4 6s .. 6s+5

out vec4 o_color;

// One channel through an 8-segment curve: sum_i clamp(x - i/8, 0, 1/8) * slope_i.
float curve(float x, vec4 slopes_low, vec4 slopes_high) {
    return dot(clamp(x - KNOTS_LOW, 0.0, 0.125), slopes_low)
         + dot(clamp(x - KNOTS_HIGH, 0.0, 0.125), slopes_high);
}

vec3 saturation(vec3 c, float amount) {
    c = clamp(c, 0.0, 1.0);
    float v = max(max(c.r, c.g), c.b);
    float m = min(min(c.r, c.g), c.b);
    float delta = v - m;
    vec3 ratio = delta > GREY_TOLERANCE ? (v - c) / delta : vec3(0.0);
    float w = (0.5 - abs(0.5 - v)) * SATURATION_GAIN;
    return mix(c, c - w * m * ratio, amount);
}

vec3 contrast(vec3 c, float amount) {
    float lum = clamp(dot(c, LUMINANCE), 0.0, 1.0);
    float enhanced = 0.5 - 0.5 * cos(PI * lum);
    return mix(c, c / (lum + CONTRAST_EPSILON) * enhanced, amount);
}

vec3 apply_step(int step, vec3 c) {
    int base = step * VEC4_PER_STEP;
    int id = u_filter[step];
    vec4 p = u_params[base];
    if (id == FILTER_EXPOSURE) return c * exp2(p.x);
    if (id == FILTER_GAMMA) return pow(max(c, GAMMA_FLOOR), vec3(p.x));
    if (id == FILTER_WHITE_BALANCE) return c * p.xyz;
    if (id == FILTER_SATURATION) return saturation(c, p.x);
    if (id == FILTER_TONE_CURVE) {
        vec4 high = u_params[base + 1];
        return vec3(curve(c.r, p, high), curve(c.g, p, high), curve(c.b, p, high));
    }
    if (id == FILTER_CONTRAST) return contrast(c, p.x);
    if (id == FILTER_BLACK_AND_WHITE) return mix(c, vec3(dot(c, LUMINANCE)), p.x);
    if (id == FILTER_COLOR_CURVE) {
        return vec3(curve(c.r, p, u_params[base + 1]),
                    curve(c.g, u_params[base + 2], u_params[base + 3]),
                    curve(c.b, u_params[base + 4], u_params[base + 5]));
    }
    if (id == FILTER_LEVEL) return clamp((c - p.x) / (p.y - p.x + LEVEL_EPSILON), 0.0, 1.0);
    return c;
}

void main() {
    vec3 c = texelFetch(u_image, ivec2(gl_FragCoord.xy), 0).rgb;
    for (int step = 0; step < MAX_STEPS; ++step) {
        if (step >= u_num_steps) break;
        c = apply_step(step, c);
    }
    o_color = vec4(clamp(c, 0.0, 1.0), 1.0);
}
