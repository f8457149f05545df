/* A musl-linked program with a library found only through /etc/ld-musl-x86_64.path. */
const char *greeting(void);
int puts(const char *);
int main(void) { return puts(greeting()) < 0; }
