#include <partnerkit/batch.hpp>
#include <partnerkit/journal.hpp>

#include "client/recycler.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <utility>

namespace partnerkit {
namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

namespace {

// Latencies in log-spaced buckets (about 5 % wide): percentiles in constant memory.
class LatencyHistogram {
 public:
  void add(std::chrono::microseconds d) {
    ++counts_[bucket(d)];
    ++total_;
  }
  std::chrono::microseconds percentile(double p) const {
    if (total_ == 0) return std::chrono::microseconds(0);
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(total_)));
    std::size_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return upper(i);
    }
    return upper(counts_.size() - 1);
  }

 private:
  static constexpr double growth = 1.05;
  static constexpr std::size_t buckets = 400;  // 1 µs .. ~3e8 µs
  static std::size_t bucket(std::chrono::microseconds d) {
    const double us = std::max<double>(1.0, static_cast<double>(d.count()));
    return std::min(buckets - 1, static_cast<std::size_t>(std::log(us) / std::log(growth)));
  }
  static std::chrono::microseconds upper(std::size_t i) {
    return std::chrono::microseconds(static_cast<std::int64_t>(std::pow(growth, static_cast<double>(i + 1))));
  }
  std::array<std::size_t, buckets> counts_{};
  std::size_t total_ = 0;
};

struct ItemData {
  // The source's item is built right here (the reader returns it as a prvalue all the way through
  // std::function): its spec (~1.4 KB, ~0.4k instructions a move and a destruction) is moved only into
  // the last vendor's provision (see send()).
  template <class Source>
  explicit ItemData(Source& next) : item(next()) {}
  PartnerSpec& spec() { return *item->spec; }  // moved out by send(): read `email` instead
  const boost::json::object& extras() const { return item->extras; }

  std::optional<InputItem> item;
  std::string email;           // as read: what the journal and the results name the item by
  std::size_t unsent = 0;      // vendors queued that have not been sent the spec yet
  std::size_t unfinished = 0;  // vendors queued whose result has not come back (the last takes `email`)
};

struct Work {
  std::size_t index = 0;
  std::size_t line = 0;
  std::shared_ptr<ItemData> data;  // shared by the vendors of one item; touched on the strand only
  bool may_have_been_applied = false;
};

struct VendorLane {
  std::string name;
  std::deque<Work> pending;
  std::size_t in_flight = 0;
  bool carries_external_id = false;  // the vendor's adapter declares external_id among its fields
};

std::uint64_t fnv1a64(std::string_view a, std::string_view b, std::uint64_t basis) noexcept {
  std::uint64_t h = basis;
  auto mix = [&](unsigned char c) { h = (h ^ c) * 1099511628211ull; };
  for (unsigned char c : a) mix(c);
  mix(0);
  for (unsigned char c : b) mix(c);
  // splitmix64's finalizer: every input bit reaches every output bit.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

// A create in flight, parked while its operation runs (its ticket is the index in BatchOp::flights_).
struct Flight {
  VendorLane* lane = nullptr;
  Work work;
  steady::time_point t0;
};

template <class Executor>
struct is_strand : std::false_type {};
template <class Executor>
struct is_strand<asio::strand<Executor>> : std::true_type {};

// Serial: what the batch's handlers run on: a strand of the client's executor, or, under
// ClientOptions::single_threaded, the executor itself (one thread: handlers cannot overlap, and a
// strand's hop cost ~0.9k instructions a create). The executor as its concrete type where start_batch
// knows it (an io_context's): a strand over the type-erased any_io_executor costs two heap-allocated
// property queries and more indirect calls per completion that comes back to the batch.
template <class Serial>
class BatchOp : public std::enable_shared_from_this<BatchOp<Serial>>, public detail::ProvisionSink {
 public:
  template <class Executor>
  BatchOp(const Executor& ex, Client& client, ItemSource source, BatchOptions options,
          detail::batch_handler handler)
      : client_(client),
        strand_(make_serial(ex)),
        source_(std::move(source)),
        options_(std::move(options)),
        handler_(std::move(handler)) {
    if (options_.concurrency == 0) options_.concurrency = 1;
    for (auto& v : options_.vendors) lanes_.push_back(VendorLane{v, {}, 0, false});
    if (options_.operation_name.empty()) options_.operation_name = "create";
  }

  void start() {
    asio::post(strand_, [self = this->shared_from_this()] { self->guarded([&] { self->begin(); }); });
  }

  // A create's answer (ProvisionSink), from a handler of its op on the client's executor.
  void provision_done(std::uint64_t ticket, detail::PartnersResult&& r) override {
    if constexpr (direct) {
      guarded([&] { landed(ticket, std::move(r)); });  // the only thread: this is the batch's turn too
    } else {
      // Onto the strand (inline when it is free); a vector of partners moves as three pointers.
      asio::dispatch(strand_, [self = this->shared_from_this(), ticket, r = std::move(r)]() mutable {
        self->guarded([&] { self->landed(ticket, std::move(r)); });
      });
    }
  }

 private:
  static constexpr bool direct = !is_strand<Serial>::value;
  template <class Executor>
  static Serial make_serial(const Executor& ex) {
    if constexpr (direct)
      return ex;
    else
      return asio::make_strand(ex);
  }

  void begin() {
    started_ = steady::now();
    auto slot = asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected()) {
      slot.assign([weak = this->weak_from_this(), strand = strand_](asio::cancellation_type) {
        asio::post(strand, [weak] {
          if (auto self = weak.lock()) self->stopping_ = true, self->guarded([&] { self->pump(); });
        });
      });
    }
    if (lanes_.empty()) return fail(Error::make(errc::invalid_input, "no vendor given", "vendor"));
    if (!options_.journal_path.empty()) {
      auto j = Journal::open(options_.journal_path, Journal::Options{options_.journal_sync});
      if (!j) return fail(j.error());
      journal_ = std::move(*j);
      if (const auto& op = journal_->recorded_operation(); op && *op != options_.operation_name)
        return fail(Error::make(errc::invalid_input,
                                "the journal " + options_.journal_path + " records a " + *op +
                                    " batch, not a " + options_.operation_name +
                                    " batch: use another journal",
                                "journal"));
      journal_->set_operation(options_.operation_name);
      summary_.warnings = journal_->warnings();
    }
    if (!options_.derive_external_id_namespace.empty()) {
      for (auto& lane : lanes_) {
        auto adapter = client_.registry()->find(lane.name);
        if (!adapter) continue;
        try {
          const auto fields = adapter->capabilities().fields;
          lane.carries_external_id = std::find(fields.begin(), fields.end(), "external_id") != fields.end();
        } catch (const std::exception&) {
          lane.carries_external_id = false;  // the client reports the broken adapter on each item
        }
      }
    }
    pump();
  }

  // Nothing escapes a handler: an exception from the item source, a user callback or the journal
  // stops the batch with errc::internal as its fatal error (items in flight still finish).
  template <class F>
  void guarded(F&& f) noexcept {
    try {
      f();
    } catch (const std::exception& e) {
      internal_failure(e.what());
    } catch (...) {
      internal_failure("an exception that is not a std::exception");
    }
  }

  void internal_failure(std::string_view what) noexcept {
    try {
      if (!summary_.fatal)
        summary_.fatal =
            Error::make(errc::internal, "internal error in the batch: " + std::string(what.substr(0, 512)));
      stopping_ = true;
      input_done_ = true;
      pump();
    } catch (...) {
    }
  }

  void fail(Error e) {
    summary_.fatal = std::move(e);
    input_done_ = true;
    pump();
  }

  bool room_to_read() const {
    for (const auto& l : lanes_)
      if (l.pending.size() >= options_.concurrency) return false;
    return true;
  }

  void pump() {
    while (!stopping_ && !input_done_ && room_to_read()) read_one();
    for (auto& lane : lanes_) {
      while (lane.in_flight < options_.concurrency && !lane.pending.empty()) {
        if (stopping_) {
          lane.pending.clear();  // never started, never journaled: a resume runs them
          break;
        }
        Work w = std::move(lane.pending.front());
        lane.pending.pop_front();
        launch(lane, std::move(w));
      }
    }
    std::size_t busy = 0;
    for (const auto& l : lanes_) busy += l.in_flight + l.pending.size();
    if (busy == 0 && (input_done_ || stopping_) && !finished_) finish();
  }

  // The next item, read straight into the ItemData that will carry it (one per item read; the last one,
  // at the end of the input, holds none).
  std::shared_ptr<ItemData> next_input() {
    try {
      // (Its block recycled: ~1.5 KB, a slow allocation each time for mimalloc.)
      return std::allocate_shared<ItemData>(client_detail::Recycled<ItemData>{}, source_);
    } catch (...) {
      input_done_ = true;
      throw;
    }
  }

  void read_one() {
    std::shared_ptr<ItemData> data = next_input();
    std::optional<InputItem>& item = data->item;
    if (!item) {
      input_done_ = true;
      return;
    }
    ++summary_.items;
    ++progress_.read;
    if (!item->spec) {  // unreadable record: one failed result per vendor, journaled as final
      const Result<Partner> bad = item->spec.error();
      for (auto& lane : lanes_) {
        if (journal_ && journal_->find(item->index, lane.name).state == Journal::State::failed) {
          deliver(lane.name, item->index, item->line, "", [&] { return bad; }, true, {});
          continue;
        }
        if (journal_) journal_->record_finished(item->index, lane.name, "", bad);
        deliver(lane.name, item->index, item->line, "", [&] { return bad; }, false, {});
      }
      return;
    }
    const PartnerSpec* spec = &data->spec();
    data->email = spec->email;
    if (journal_) {
      // Another email at this index means another input file, unless the earlier runs only failed
      // it locally (nothing sent: an invalid email fixed since is the same item).
      bool only_local = true;
      for (const auto& lane : lanes_) {
        const auto e = journal_->find(item->index, lane.name);
        only_local =
            only_local && (e.state == Journal::State::none || (e.state == Journal::State::failed && e.local));
      }
      if (auto h = journal_->email_hash(item->index);
          h && *h != Journal::hash_email(spec->email) && !only_local) {
        stopping_ = true;
        summary_.fatal =
            Error::make(errc::invalid_input,
                        "the journal does not match the input: item " + std::to_string(item->index) +
                            " (line " + std::to_string(item->line) + ") has another email",
                        "journal");
        return;
      }
    }
    for (auto& lane : lanes_) {
      Work w{item->index, item->line, data, false};
      if (journal_) {
        auto entry = journal_->find(item->index, lane.name);
        if (entry.state == Journal::State::done) {
          Partner p;
          p.vendor = lane.name;
          p.email = spec->email;
          p.outcome = entry.outcome;
          p.attempts = 0;
          auto recorded = journal_->take_partner(item->index, lane.name);
          p.id = std::move(recorded.partner_id);
          if (recorded.referral_link) p.links.push_back(ReferralLink{*recorded.referral_link, {}, {}, {}});
          deliver(lane.name, w.index, w.line, spec->email, [&] { return Result<Partner>(std::move(p)); },
                  true, {});
          continue;
        }
        if (entry.state == Journal::State::failed && !entry.local) {
          Error e = Error::make(entry.code, "failed in an earlier run (from the journal)");
          deliver(lane.name, w.index, w.line, spec->email, [&] { return Result<Partner>(std::move(e)); },
                  true, {});
          continue;
        }
        // A local failure (nothing sent: the line may have been fixed since) runs again. Started or
        // retryable: an earlier request may have been applied. A damaged journal may have lost
        // this item's started record: every unfinished item is reconciled.
        w.may_have_been_applied = entry.sent || entry.state == Journal::State::started ||
                                  entry.state == Journal::State::retryable || journal_->damaged();
      }
      ++data->unsent;
      ++data->unfinished;
      lane.pending.push_back(std::move(w));
    }
  }

  void launch(VendorLane& lane, Work w) {
    if (journal_) {
      if (auto r = journal_->record_started(w.index, lane.name, w.data->email); !r) {
        summary_.fatal = r.error();
        stopping_ = true;
        lane.pending.push_front(std::move(w));
        return;
      }
      ++lane.in_flight;
      ++progress_.in_flight;
      // The request leaves only once its started record is on the disk (group commit: one sync
      // covers every item started meanwhile). The waiter hands its reference to the strand.
      // `work` keeps the executor's run() from returning while only the sync thread has work.
      auto work = asio::prefer(client_.get_executor(), asio::execution::outstanding_work.tracked);
      journal_->when_durable([self = this->shared_from_this(), &lane, w, work](Result<void> synced) mutable {
        auto strand = self->strand_;
        asio::post(strand, [self = std::move(self), &lane, w = std::move(w), work = std::move(work),
                            synced]() mutable {
          self->guarded([&] {
            if (!synced) {  // not sent: left started in the journal, a resume reconciles it
              --lane.in_flight;
              --self->progress_.in_flight;
              if (!self->summary_.fatal) self->summary_.fatal = synced.error();
              self->stopping_ = true;
              return self->pump();
            }
            self->send(lane, std::move(w));
          });
        });
      });
      return;
    }
    ++lane.in_flight;
    ++progress_.in_flight;
    send(lane, std::move(w));
  }

  void send(VendorLane& lane, Work w) {
    const auto t0 = steady::now();
    // The last vendor of an item takes its spec itself (moved once more, into the operation); the
    // others a copy (~1.4 KB, ~30 allocations).
    std::optional<PartnerSpec> copy;
    PartnerSpec& spec = --w.data->unsent == 0 ? w.data->spec() : copy.emplace(w.data->spec());
    if (lane.carries_external_id && !spec.external_id)
      spec.external_id = derive_external_id(options_.derive_external_id_namespace, spec.email);
    if (!options_.operation) {
      ProvisionOptions po;
      po.may_have_been_applied = w.may_have_been_applied;
      po.reconcile = options_.reconcile;
      po.keep_raw = options_.keep_raw;
      // async_provision's operation, answering this batch (provision_done) with the ticket of the
      // item parked here: no handler to box, no Partner moved on the way (it completes exactly once).
      const std::uint64_t ticket = park(lane, std::move(w), t0);
      detail::start_batch_provision(client_, lane.name, std::move(spec), po,
                                    std::shared_ptr<detail::ProvisionSink>(this->shared_from_this()), ticket);
      return;
    }
    auto once = std::make_shared<bool>(false);  // an item completes once, whatever an operation does
    auto done = asio::bind_executor(
        strand_, [self = this->shared_from_this(), &lane, w, t0, once](Result<Partner>&& r) {
          if (std::exchange(*once, true)) return;
          self->guarded([&] { self->item_done(lane, w, t0, [&] { return std::move(r); }); });
        });
    BatchItem item{w.index, spec, w.data->extras(), w.may_have_been_applied};
    std::string why;
    try {
      options_.operation(client_, lane.name, item, BatchItemHandler(std::move(done)));
      return;
    } catch (const std::exception& e) {
      why = e.what();
    } catch (...) {
      why = "unknown exception";
    }
    if (std::exchange(*once, true)) return;
    asio::post(strand_, [self = this->shared_from_this(), &lane, w = std::move(w), t0, why] {
      self->guarded([&] {
        self->item_done(lane, w, t0, [&] {
          return Result<Partner>(Error::make(errc::internal, "the batch operation threw: " + why));
        });
      });
    });
  }

  std::uint64_t park(VendorLane& lane, Work&& w, steady::time_point t0) {
    if (free_flights_.empty()) {
      flights_.push_back(Flight{&lane, std::move(w), t0});
      return flights_.size() - 1;
    }
    const std::uint64_t ticket = free_flights_.back();
    free_flights_.pop_back();
    flights_[ticket] = Flight{&lane, std::move(w), t0};
    return ticket;
  }

  // The create of `ticket` answered: its partner goes straight into the result (moved once).
  void landed(std::uint64_t ticket, detail::PartnersResult&& r) {
    // Taken out first: the result's callbacks start more creates, which may grow flights_.
    Flight f = std::move(flights_[ticket]);
    free_flights_.push_back(ticket);
    item_done(*f.lane, f.work, f.t0, [&] { return detail::first_partner(std::move(r)); });
  }

  // make(): the Result<Partner>, built in the BatchResult (a prvalue: not moved there).
  template <class Make>
  void item_done(VendorLane& lane, const Work& w, steady::time_point t0, Make&& make) {
    --lane.in_flight;
    --progress_.in_flight;
    auto latency = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - t0);
    // The item's last result takes its email (nothing reads it after): no copy and free per result.
    std::string& email = w.data->email;
    const bool last = --w.data->unfinished == 0;
    deliver(lane.name, w.index, w.line, last ? std::move(email) : std::string(email), make, false, latency,
            [&](const BatchResult& br) {
              if (!journal_) return;
              if (auto jr = journal_->record_finished(w.index, lane.name, br.email, br.result); !jr) {
                summary_.fatal = jr.error();
                stopping_ = true;
              }
            });
    pump();
  }

  // make(): the result (see item_done); record(br): the journal's, before anything sees it.
  template <class Make, class Record = void (*)(const BatchResult&)>
  void deliver(
      const std::string& vendor, std::size_t index, std::size_t line, std::string email, Make&& make,
      bool from_journal, std::chrono::microseconds latency, Record record = [](const BatchResult&) {}) {
    // Built in place: assigning a result moved the Partner twice (variant2's assignment across
    // alternatives goes through a temporary), and handing one in moved it once more.
    const BatchResult br{.index = index,
                         .line = line,
                         .vendor = vendor,
                         .email = std::move(email),
                         .result = make(),
                         .from_journal = from_journal,
                         .latency = latency};
    record(br);
    const Result<Partner>& r = br.result;
    ++summary_.results;
    ++progress_.finished;
    if (from_journal) ++summary_.from_journal;
    if (r) {
      ++summary_.succeeded;
      ++progress_.succeeded;
      ++outcomes_[static_cast<std::size_t>(r->outcome)];
      if (!from_journal) {
        summary_.requests += static_cast<std::size_t>(r->attempts);
        summary_.retries += static_cast<std::size_t>(std::max(0, r->attempts - 1));
      }
    } else {
      ++summary_.failed;
      ++progress_.failed;
      ++errors_[r.error().code];
      if (!from_journal) {
        summary_.requests += static_cast<std::size_t>(r.error().attempts);
        summary_.retries += static_cast<std::size_t>(std::max(0, r.error().attempts - 1));
      }
    }
    if (!from_journal && latency.count() > 0) latencies_.add(latency);
    if (options_.on_result) options_.on_result(br);
    if (options_.on_progress) options_.on_progress(progress_);
  }

  void finish() {
    finished_ = true;
    if (journal_) summary_.journal_syncs = journal_->syncs();
    for (auto o : {Outcome::created, Outcome::updated, Outcome::existing})
      if (auto n = outcomes_[static_cast<std::size_t>(o)]) summary_.by_outcome[std::string(to_string(o))] = n;
    for (const auto& [code, n] : errors_) summary_.by_error[std::string(to_string(code))] = n;
    summary_.cancelled = stopping_ && !summary_.fatal;
    summary_.elapsed = steady::now() - started_;
    summary_.p50_latency = latencies_.percentile(0.50);
    summary_.p99_latency = latencies_.percentile(0.99);
    auto slot = asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected()) slot.clear();
    auto ex = asio::get_associated_executor(handler_, client_.get_executor());
    asio::post(client_.get_executor(), [ex, h = std::move(handler_), s = std::move(summary_)]() mutable {
      asio::dispatch(ex, [h = std::move(h), s = std::move(s)]() mutable { std::move(h)(std::move(s)); });
    });
  }

  Client& client_;
  Serial strand_;
  ItemSource source_;
  BatchOptions options_;
  detail::batch_handler handler_;
  std::unique_ptr<Journal> journal_;
  std::deque<VendorLane> lanes_;  // deque: lanes are referenced by in-flight handlers
  BatchSummary summary_;
  // by_outcome and by_error, counted without making a name per result; named in finish().
  static_assert(static_cast<std::size_t>(Outcome::existing) == 2, "one counter per Outcome");
  std::array<std::size_t, 3> outcomes_{};
  std::map<errc, std::size_t> errors_;
  BatchProgress progress_;
  LatencyHistogram latencies_;
  std::vector<Flight> flights_;  // the creates in flight, by ticket (touched on strand_ only)
  std::vector<std::uint64_t> free_flights_;
  steady::time_point started_;
  bool input_done_ = false;
  bool stopping_ = false;
  bool finished_ = false;
};

}  // namespace

std::string derive_external_id(std::string_view name_space, std::string_view email) {
  std::string key(email);
  while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
  std::size_t start = 0;
  while (start < key.size() && (key[start] == ' ' || key[start] == '\t')) ++start;
  key.erase(0, start);
  for (char& c : key)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  const std::uint64_t parts[2] = {fnv1a64(name_space, key, 14695981039346656037ull),
                                  fnv1a64(name_space, key, 0x6c62272e07bb0142ull)};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "pk-";
  for (std::uint64_t part : parts)
    for (int shift = 60; shift >= 0; shift -= 4) out.push_back(hex[(part >> shift) & 0xF]);
  return out;
}

void detail::start_batch(Client& client, ItemSource source, BatchOptions options, batch_handler handler) {
  const asio::any_io_executor ex = client.get_executor();
  const bool one_thread = client.options().single_threaded;
  auto run = [&]<class Serial>(const auto& executor) {
    std::make_shared<BatchOp<Serial>>(executor, client, std::move(source), std::move(options),
                                      std::move(handler))
        ->start();
  };
  using io_executor = asio::io_context::executor_type;
  if (const auto* io = ex.target<io_executor>()) {
    if (one_thread) return run.template operator()<io_executor>(*io);
    return run.template operator()<asio::strand<io_executor>>(*io);
  }
  if (one_thread) return run.template operator()<asio::any_io_executor>(ex);
  run.template operator()<asio::strand<asio::any_io_executor>>(ex);
}

}  // namespace partnerkit
