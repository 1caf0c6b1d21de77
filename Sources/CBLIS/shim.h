// Debian's BLIS header needs these first; `blis.h` itself wants <omp.h>, so only the CBLAS part is used.
#include <stdlib.h>
#include <time.h>
#include <blis-openmp/cblas.h>
// From BLIS's thread API; declared here because blis.h cannot be included (see above).
void bli_thread_set_num_threads(dim_t n_threads);
