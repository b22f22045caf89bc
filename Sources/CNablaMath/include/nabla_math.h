#ifndef NABLA_MATH_H
#define NABLA_MATH_H

/// sin(x) and cos(x) from one argument reduction (glibc's sincos). Kept out of
/// line in its own C file so that the optimiser cannot split it back into
/// separate sin and cos calls.
void nabla_sincos(double x, double *sine, double *cosine);
/// The Float version of nabla_sincos.
void nabla_sincosf(float x, float *sine, float *cosine);

#endif
