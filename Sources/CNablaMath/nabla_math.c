#define _GNU_SOURCE
#include <math.h>
#include "nabla_math.h"

void nabla_sincos(double x, double *sine, double *cosine) { sincos(x, sine, cosine); }
void nabla_sincosf(float x, float *sine, float *cosine) { sincosf(x, sine, cosine); }
