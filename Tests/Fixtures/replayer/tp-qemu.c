#define TRACEPOINT_CREATE_PROBES
#define TRACEPOINT_DEFINE
#include "tp-qemu.h"
