// task: cpp_add_io
// Allocates and touches far more memory than the limit allows.
#include <cstdio>
#include <cstring>
#include <vector>
int main() {
    std::vector<char*> blocks;
    for (int i = 0; i < 1024; ++i) {
        char* p = new char[64 << 20];
        std::memset(p, 1, 64 << 20);
        blocks.push_back(p);
    }
    std::printf("%zu\n", blocks.size());
}
