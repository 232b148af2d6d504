// tabllm.h must compile alone as C++ (extern "C", no C-only constructs).
#include "tabllm.h"

int main()
{
    return tabllm_abi_version() == TABLLM_ABI_VERSION ? 0 : 1;
}
