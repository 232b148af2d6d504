/* tabllm.h must compile alone, as strict C11. */
#include "tabllm.h"

int main(void)
{
    return tabllm_abi_version() == TABLLM_ABI_VERSION ? 0 : 1;
}
