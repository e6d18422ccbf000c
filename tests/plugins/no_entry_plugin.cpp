// A shared library that is not a partnerkit plugin: no partnerkit_plugin_info entry point.
extern "C" __attribute__((visibility("default"))) int some_other_library_function(int x) { return x + 1; }
