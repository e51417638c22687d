// heap_cxx.cc - a C++ host for the memory profiles: operator new/delete
// (scalar and array), std::vector growth and std::string, each from a
// known function, with known counts. Prints what it computed, so that
// heap_cxx.sh can diff runs with and without cprof, and the truth per
// site (allocations made, blocks live at exit) for the profile checks.
//
//   heap_cxx      prints "result ..." lines, then "site NAME allocs N live M"
//
// Every allocating function is noinline and keeps its pointers in a
// volatile global, so that neither the allocation nor the caller's frame
// is optimised away.
//
// Two things keep the counts exact at CPROF_MEM_RATE=1: main first
// allocates a 2 MiB block (cprof notices that sampling started only after
// a thread that allocated before the start allocates SAMPLER_RECHECK_BYTES
// more; heap_early.sh tests that gap, this test is about stacks), and the
// sites pause 2 ms every 200 allocations so that cprof's collector keeps
// up with the 2048-record capture ring on a loaded machine.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

const int kObjects = 500;  // new Obj, half deleted
const int kArrays = 300;   // new char[], all live
const int kVectors = 100;  // vectors grown to kVectorLen ints, all live
const int kVectorLen = 1000;
const int kStrings = 400;  // strings longer than the SSO buffer, all live

struct Obj {
	long a[16];
};

char *volatile warm_up;
Obj *volatile objects[kObjects];
char *volatile arrays[kArrays];
std::vector<int> *volatile vectors[kVectors];
std::string *volatile strings[kStrings];

int paced;

void cxx_pace()
{
	if (++paced % 200 == 0)
		usleep(2000);
}

}  // namespace

// Not static: their names are what the profile must show, unmangled by
// an anonymous namespace.
extern "C" {
__attribute__((noinline)) void cxx_new_objects(void);
__attribute__((noinline)) void cxx_new_arrays(void);
__attribute__((noinline)) void cxx_vector_grow(void);
__attribute__((noinline)) void cxx_string_build(void);
}

// kObjects blocks through operator new(size_t); every other one deleted.
__attribute__((noinline)) void cxx_new_objects(void)
{
	for (int i = 0; i < kObjects; i++) {
		objects[i] = new Obj();
		objects[i]->a[0] = i;
		cxx_pace();
	}
	for (int i = 0; i < kObjects; i += 2) {
		delete objects[i];
		objects[i] = nullptr;
	}
}

// kArrays blocks through operator new[](size_t).
__attribute__((noinline)) void cxx_new_arrays(void)
{
	for (int i = 0; i < kArrays; i++) {
		arrays[i] = new char[3000];
		std::memset(arrays[i], i & 0x7f, 3000);
		cxx_pace();
	}
}

// Vectors grown by push_back: each reallocation is a new allocation from
// inside std::vector (inlined here), the old buffer freed.
__attribute__((noinline)) void cxx_vector_grow(void)
{
	for (int i = 0; i < kVectors; i++) {
		std::vector<int> *v = new std::vector<int>();

		for (int j = 0; j < kVectorLen; j++)
			v->push_back(i + j);
		vectors[i] = v;
		for (int k = 0; k < 12 * 2; k++)  // allocations and frees
			cxx_pace();
	}
}

// Strings too long for the small-string buffer.
__attribute__((noinline)) void cxx_string_build(void)
{
	for (int i = 0; i < kStrings; i++) {
		strings[i] = new std::string(100 + i % 50, (char)('a' + i % 26));
		cxx_pace();
		cxx_pace();
	}
}

int main()
{
	long sum = 0, len = 0;
	int chars = 0;

	warm_up = new char[2 << 20];
	delete[] warm_up;
	cxx_new_objects();
	cxx_new_arrays();
	cxx_vector_grow();
	cxx_string_build();

	for (int i = 1; i < kObjects; i += 2)
		sum += objects[i]->a[0];
	for (int i = 0; i < kArrays; i++)
		chars += arrays[i][2999] == (i & 0x7f);
	for (int i = 0; i < kVectors; i++)
		for (int x : *vectors[i])
			sum += x;
	for (int i = 0; i < kStrings; i++)
		len += (long)strings[i]->size();
	std::printf("result objects+vectors sum %ld, arrays intact %d, "
		    "string chars %ld\n", sum, chars, len);

	// The truth for the profile: allocations made by each function
	// (calls to operator new), and blocks live at exit. A vector of
	// kVectorLen ints grown by push_back reallocates at capacities
	// 1, 2, 4, ..., 1024: 11 buffers, one live; plus the vector itself.
	std::printf("site cxx_new_objects allocs %d live %d\n", kObjects,
		    kObjects / 2);
	std::printf("site cxx_new_arrays allocs %d live %d\n", kArrays,
		    kArrays);
	std::printf("site cxx_vector_grow allocs %d live %d\n",
		    kVectors * (11 + 1), kVectors * 2);
	std::printf("site cxx_string_build allocs %d live %d\n",
		    kStrings * 2, kStrings * 2);
	return 0;
}
