// workloads_cxx.cpp - the libstdc++ stream workload: formatting doubles
// through std::ostringstream spends its time in libstdc++ (no frame
// pointers on Debian).
#include <sstream>

#include "workloads.h"

static volatile size_t wl_cxx_sink;

extern "C" void wl_cxx_step(void)
{
	std::ostringstream os;

	for (int i = 0; i < 200; i++)
		os << (i * 3.14159) << ' ' << i << '\n';
	wl_cxx_sink = wl_cxx_sink + os.str().size();
}
