// SyscallState's thread/process table (see syscall_state_impl.hpp): lookup, placeholders for
// threads first seen mid-stream, eviction (the CLOCK algorithm, after a sweep of the threads whose
// /proc entry is gone), the start scan of /proc, and the counters published from it.
#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "syscall_state_impl.hpp"

namespace vigil::state {

SyscallState::Impl::Impl(StateOptions o)
    : opt(std::move(o)), reader(opt.proc_root, opt.max_fds_per_process) {
  if (opt.max_threads == 0) opt.max_threads = 1;
  if (opt.max_fds_per_process == 0) opt.max_fds_per_process = 1;
  unknown.process = std::make_shared<Process>();
}

void SyscallState::Impl::Publish() {
  pub_threads.store(threads.size(), std::memory_order_relaxed);
  pub_processes.store(n_processes, std::memory_order_relaxed);
  pub_fds.store(n_fds, std::memory_order_relaxed);
  pub_evicted.store(evicted, std::memory_order_relaxed);
  pub_missing.store(missing, std::memory_order_relaxed);
  pub_fds_evicted.store(fds_evicted, std::memory_order_relaxed);
  pub_malformed.store(malformed, std::memory_order_relaxed);
}

size_t SyscallState::Impl::EraseThread(Map::iterator it) {
  const int64_t tid = it->first, pid = it->second.info.pid;
  std::shared_ptr<Process> proc = std::move(it->second.info.process);
  threads.erase(it);
  size_t removed = 1;
  if (!proc) return removed;
  if (proc.use_count() == 2 && tid != pid) {
    auto leader = threads.find(pid);
    if (leader != threads.end() && leader->second.dead && leader->second.info.process == proc) {
      leader->second.info.process.reset();
      threads.erase(leader);
      ++removed;
    }
  }
  if (proc.use_count() == 1) {
    if (n_processes > 0) --n_processes;
    n_fds -= std::min<uint64_t>(n_fds, proc->fds.size());
  }
  return removed;
}

void SyscallState::Impl::CompactOrder() {
  if (order.size() <= 2 * threads.size() + 1024) return;
  std::deque<std::pair<int64_t, uint64_t>> kept;
  for (const auto& [tid, gen] : order) {
    auto it = threads.find(tid);
    if (it != threads.end() && it->second.gen == gen) kept.emplace_back(tid, gen);
  }
  order.swap(kept);
}

void SyscallState::Impl::SweepDead() {
  std::vector<int64_t> dead;
  for (const auto& [tid, e] : threads) {
    if (tid != current_tid && !reader.ThreadExists(tid)) dead.push_back(tid);
  }
  for (int64_t tid : dead) {
    auto it = threads.find(tid);
    if (it != threads.end()) evicted += EraseThread(it);
  }
}

bool SyscallState::Impl::EvictOne() {
  size_t budget = 2 * order.size() + 2;
  while (!order.empty() && budget-- > 0) {
    auto [tid, gen] = order.front();
    order.pop_front();
    auto it = threads.find(tid);
    if (it == threads.end() || it->second.gen != gen) continue;  // stale
    if (tid == current_tid || it->second.referenced) {
      it->second.referenced = false;
      order.emplace_back(tid, gen);
      continue;
    }
    evicted += EraseThread(it);
    return true;
  }
  return false;
}

void SyscallState::Impl::MakeRoom() {
  while (threads.size() >= opt.max_threads) {
    Clock::time_point now = Clock::now();
    if (now >= next_sweep) {
      next_sweep = now + std::chrono::milliseconds(opt.proc_sweep_interval_ms);
      SweepDead();
      continue;
    }
    if (!EvictOne()) break;
  }
}

ThreadEntry& SyscallState::Impl::Insert(ThreadInfo&& t, bool new_process) {
  const int64_t tid = t.tid;
  if (auto it = threads.find(tid); it != threads.end()) EraseThread(it);  // tid reused
  MakeRoom();
  if (!t.process) {
    t.process = std::make_shared<Process>();
    t.process->pid = t.pid;
    new_process = true;
  }
  const uint64_t gen = next_gen++;
  size_t nfds = t.process->fds.size();
  auto [it, inserted] = threads.emplace(tid, ThreadEntry{std::move(t), gen, true, false});
  order.emplace_back(tid, gen);
  if (new_process) {
    ++n_processes;
    n_fds += nfds;
  }
  CompactOrder();
  return it->second;
}

ThreadEntry* SyscallState::Impl::Find(int64_t tid) {
  auto it = threads.find(tid);
  return it == threads.end() ? nullptr : &it->second;
}

ThreadEntry* SyscallState::Impl::Ensure(int64_t tid) {
  if (tid < 0) return nullptr;
  if (ThreadEntry* e = Find(tid)) {
    e->referenced = true;
    return e;
  }
  ++missing;
  ThreadInfo t;
  if (reader.ReadThread(tid, tid, &t)) {
    const int64_t pid = t.pid;
    std::shared_ptr<Process> proc;
    bool fresh = false;
    ThreadEntry* leader = Find(pid);
    if (leader != nullptr && leader->info.pid == pid && leader->info.process) {
      proc = leader->info.process;
    } else {
      proc = std::make_shared<Process>();
      if (!reader.ReadProcess(pid, proc.get())) proc->pid = pid;
      fresh = true;
    }
    if (tid == pid) proc->start_ts = t.start_ts;
    t.process = proc;
    ThreadEntry& e = Insert(std::move(t), fresh);
    if (fresh && pid != tid && Find(pid) == nullptr) {
      ThreadInfo lt;
      if (reader.ReadThread(pid, pid, &lt)) {
        proc->start_ts = lt.start_ts;
        lt.process = proc;
        Insert(std::move(lt), false);
      }
    }
    return &e;
  }
  t.tid = tid;
  t.pid = tid;
  return &Insert(std::move(t), true);
}

Status SyscallState::Impl::ScanProc() {
  reader.ClearSocketCache();
  std::vector<int64_t> pids = reader.ListPids();
  if (pids.empty()) {
    return Status::Error("state: no process found under " + opt.proc_root);
  }
  current_tid = -1;
  for (int64_t pid : pids) {
    if (threads.size() >= opt.max_threads) break;
    auto proc = std::make_shared<Process>();
    if (!reader.ReadProcess(pid, proc.get())) continue;
    bool first = true;
    for (int64_t tid : reader.ListTasks(pid)) {
      if (threads.size() >= opt.max_threads) break;
      ThreadInfo t;
      if (!reader.ReadThread(pid, tid, &t)) continue;
      t.pid = pid;
      if (tid == pid) proc->start_ts = t.start_ts;
      t.process = proc;
      Insert(std::move(t), first);
      first = false;
    }
  }
  reader.ClearSocketCache();
  Publish();
  return Status::Ok();
}

const ThreadInfo* SyscallState::FindThread(int64_t tid) const {
  auto it = impl_->threads.find(tid);
  return it == impl_->threads.end() ? nullptr : &it->second.info;
}

const ThreadInfo* SyscallState::FindProcessLeader(int64_t pid) const {
  auto it = impl_->threads.find(pid);
  if (it == impl_->threads.end() || it->second.info.pid != pid) return nullptr;
  return &it->second.info;
}

StateCounters SyscallState::counters() const {
  const Impl& i = *impl_;
  StateCounters c;
  c.threads = i.pub_threads.load(std::memory_order_relaxed);
  c.processes = i.pub_processes.load(std::memory_order_relaxed);
  c.fds = i.pub_fds.load(std::memory_order_relaxed);
  c.evicted = i.pub_evicted.load(std::memory_order_relaxed);
  c.missing_thread = i.pub_missing.load(std::memory_order_relaxed);
  c.fds_evicted = i.pub_fds_evicted.load(std::memory_order_relaxed);
  c.malformed = i.pub_malformed.load(std::memory_order_relaxed);
  return c;
}

}  // namespace vigil::state
