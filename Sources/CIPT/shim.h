#include <intel-pt.h>
