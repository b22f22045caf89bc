// zlib from the system: gzopen/gzread read gzip-compressed and plain files alike.
#include <zlib.h>
