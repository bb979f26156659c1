// ThreadSanitizer (gcc 12) does not intercept C11 thrd_create/thrd_join, which librdkafka
// uses for all its threads: those threads then run without TSan state and crash in the
// first intercepted call. Linked into test binaries of the tsan preset only, these
// definitions take precedence over glibc's and route C11 threads through the pthread calls
// TSan does intercept (thrd_t is a pthread_t in glibc).
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>
#include <new>

namespace {
struct Start {
  thrd_start_t func;
  void* arg;
};

void* trampoline(void* raw) {
  Start start = *static_cast<Start*>(raw);
  delete static_cast<Start*>(raw);
  return reinterpret_cast<void*>(static_cast<intptr_t>(start.func(start.arg)));
}
}  // namespace

extern "C" {

int thrd_create(thrd_t* thread, thrd_start_t func, void* arg) {
  auto* start = new (std::nothrow) Start{func, arg};
  if (start == nullptr) return thrd_nomem;
  pthread_t id;
  if (pthread_create(&id, nullptr, trampoline, start) != 0) {
    delete start;
    return thrd_error;
  }
  *thread = id;
  return thrd_success;
}

int thrd_join(thrd_t thread, int* result) {
  void* value = nullptr;
  if (pthread_join(thread, &value) != 0) return thrd_error;
  if (result != nullptr) *result = static_cast<int>(reinterpret_cast<intptr_t>(value));
  return thrd_success;
}

int thrd_detach(thrd_t thread) {
  return pthread_detach(thread) == 0 ? thrd_success : thrd_error;
}

// C11 mutexes and condition variables are pthread ones in glibc, but locked through
// internal entry points TSan does not see; without these, every lock in librdkafka is
// invisible and TSan reports its data as racy.
static pthread_mutex_t* as_mutex(mtx_t* m) {
  return reinterpret_cast<pthread_mutex_t*>(m);
}
static pthread_cond_t* as_cond(cnd_t* c) {
  return reinterpret_cast<pthread_cond_t*>(c);
}
static int result(int rc) {
  return rc == 0           ? thrd_success
         : rc == ETIMEDOUT ? thrd_timedout
         : rc == EBUSY     ? thrd_busy
                           : thrd_error;
}

int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if ((type & mtx_recursive) != 0) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  const int rc = pthread_mutex_init(as_mutex(m), &attr);
  pthread_mutexattr_destroy(&attr);
  return result(rc);
}
int mtx_lock(mtx_t* m) {
  return result(pthread_mutex_lock(as_mutex(m)));
}
int mtx_trylock(mtx_t* m) {
  return result(pthread_mutex_trylock(as_mutex(m)));
}
int mtx_timedlock(mtx_t* m, const struct timespec* ts) {
  return result(pthread_mutex_timedlock(as_mutex(m), ts));
}
int mtx_unlock(mtx_t* m) {
  return result(pthread_mutex_unlock(as_mutex(m)));
}
void mtx_destroy(mtx_t* m) {
  pthread_mutex_destroy(as_mutex(m));
}

int cnd_init(cnd_t* c) {
  return result(pthread_cond_init(as_cond(c), nullptr));
}
int cnd_signal(cnd_t* c) {
  return result(pthread_cond_signal(as_cond(c)));
}
int cnd_broadcast(cnd_t* c) {
  return result(pthread_cond_broadcast(as_cond(c)));
}
int cnd_wait(cnd_t* c, mtx_t* m) {
  return result(pthread_cond_wait(as_cond(c), as_mutex(m)));
}
int cnd_timedwait(cnd_t* c, mtx_t* m, const struct timespec* ts) {
  return result(pthread_cond_timedwait(as_cond(c), as_mutex(m), ts));
}
void cnd_destroy(cnd_t* c) {
  pthread_cond_destroy(as_cond(c));
}

}  // extern "C"
