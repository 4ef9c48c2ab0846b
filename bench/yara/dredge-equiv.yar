/* YARA rules equivalent to a subset of dredge's built-in content rules
 * (rules/cryptominer.yaml, backdoor.yaml, build.yaml, secrets.yaml), for
 * bench/scan: same literals and regexes where YARA can express them
 * (no named groups, no lookbehind; (?i) becomes nocase). 51 rules against
 * dredge's full set, so the comparison favours YARA. */

rule stratum_url { strings: $a = /stratum2?\+(tcp|ssl|tls|udp):\/\/[a-z0-9_][a-z0-9_.\-]*(:[0-9]{1,5})?/ nocase condition: $a }
rule mining_pool_host { strings:
  $h1 = "pool.supportxmr.com" nocase $h2 = "xmr-eu1.nanopool.org" nocase $h3 = "ca.minexmr.com" nocase
  $h4 = "de.minexmr.com" nocase $h5 = "pool.minexmr.com" nocase $h6 = "us1.ethermine.org" nocase
  $h7 = "eth-eu1.nanopool.org" nocase $h8 = "xmr.pool.minergate.com" nocase $h9 = "gulf.moneroocean.stream" nocase
  $h10 = "asia1.ethpool.org" nocase $h11 = "btm.antpool.com" nocase $h12 = "cn.stratum.slushpool.com" nocase
  condition: any of them }
rule mining_pool_domain { strings: $a = /\b([a-z0-9\-]+\.)+(nanopool\.org|minexmr\.com|supportxmr\.com|hashvault\.pro|moneroocean\.stream|2miners\.com|f2pool\.com|antpool\.com|ethermine\.org|dwarfpool\.com|slushpool\.com|ethpool\.org|xmrpool\.net|minergate\.com|unmineable\.com|herominers\.com|c3pool\.com|nicehash\.com)\b/ nocase condition: $a }
rule xmrig_miner { strings:
  $k = "xmrig" nocase
  $s1 = /donate\.(v2|ssl)\.xmrig\.com/ $s2 = "--donate-level" $s3 = "donate-over-proxy"
  $s4 = /\brx\/(0|wow|arq|sfx|keva|graft|yada)\b/ $s5 = /\bcn(-lite|-heavy|-pico)?\/(0|1|2|r|half|fast|rwz|zls|double)\b/
  $s6 = /\bargon2\/(chukwa|chukwav2|ninja|wrkz)\b/ $s7 = /[Rr]andom[Xx]/ $s8 = /[Cc]ryptonight/
  $s9 = "--cpu-priority" $s10 = /--randomx-1gb-pages|randomx-mode/ $s11 = /stratum\+(tcp|ssl)/
  condition: $k and 3 of ($s*) }
rule cpuminer_miner { strings:
  $k1 = "minerd" nocase $k2 = "cpuminer" nocase
  $s1 = /Usage: (minerd|cpuminer)/ $s2 = "URL of mining server" $s3 = /\bsha256d\b/ $s4 = "scrypt(1024"
  $s5 = "stratum+tcp" $s6 = /--algo=ALGO|-a, --algo/ $s7 = /--coinbase-addr|--no-getwork|--no-stratum|--no-longpoll/
  $s8 = /accepted: %lu\/%lu|yay!!!|booooo/
  condition: any of ($k*) and 3 of ($s*) }
rule xmr_stak_miner { strings:
  $k1 = "xmr-stak" nocase $k2 = "xmrstak" nocase
  $s1 = "\"pool_address\"" $s2 = "\"wallet_address\"" $s3 = "\"rig_id\"" $s4 = "\"pool_password\""
  $s5 = "\"use_nicehash\"" $s6 = /[Cc]ryptonight/ $s7 = "\"currency\""
  condition: any of ($k*) and 3 of ($s*) }
rule gpu_miner { strings:
  $k1 = "ccminer" nocase $k2 = "ethminer" nocase $k3 = "t-rex" nocase $k4 = "lolminer" nocase
  $k5 = "nbminer" nocase $k6 = "srbminer" nocase $k7 = "teamredminer" nocase $k8 = "phoenixminer" nocase
  $s1 = /stratum\+(tcp|ssl)|stratum2\+tcp|ethproxy|ethstratum/
  $s2 = /\b(ethash|etchash|kawpow|autolykos2?|octopus|kheavyhash|equihash|beamhash|firopow|progpow|neoscrypt|x16r)\b/
  $s3 = /[Hh]ashrate|H\/s|MH\/s/ $s4 = /--(pool|wallet|worker|algo|user|url|coin|pass)\b/
  $s5 = /[Ss]hares? accepted|[Aa]ccepted shares?|share rejected/ $s6 = /\bdev ?fee|devfee|--fee\b/
  $s7 = /CUDA|OpenCL|cuda_|nvml/
  condition: any of ($k*) and 4 of ($s*) }
rule miner_config { strings:
  $s1 = /"pools"\s*:\s*\[/ $s2 = /"url"\s*:\s*"(stratum2?\+[a-z]+:\/\/)?[A-Za-z0-9_][A-Za-z0-9_.\-]*:[0-9]{2,5}"/
  $s3 = /"user"\s*:\s*"[^"]{3,}"/ $s4 = /"(donate-level|donate-over-proxy|algo|coin|rig-id|nicehash|keepalive|randomx|cpu)"\s*:/
  condition: all of them }
rule miner_pool_option { strings: $a = /(-o|--url|--pool|-P|-pool|--server)[= ]+["']?stratum2?\+(tcp|ssl|tls|udp):\/\/[a-z0-9_.\-]+/ nocase condition: $a }
rule miner_algo_option { strings: $a = /(-a|--algo)[= ]+(cryptonight|rx\/0|randomx|cn\/r|argon2\/chukwa|kawpow|ethash)\b/ condition: $a }
rule monero_wallet { strings: $a = /\b4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}\b/ condition: $a }
rule reverse_shell_dev_tcp { strings: $a = /\b(ba|z|k|da)?sh\s+-i\b[^\n]{0,40}[<>]&?\s*\/dev\/(tcp|udp)\/[a-zA-Z0-9.:\-]+\/[0-9]{1,5}/ $b = /\/dev\/(tcp|udp)\/[a-zA-Z0-9.:\-]+\/[0-9]{1,5}\s+0>&1/ condition: any of them }
rule reverse_shell_netcat { strings: $a = /\b(nc|ncat|netcat|nc\.traditional|nc\.openbsd)\b[^\n|;&]{0,80}\s(-e|-c|--exec|--sh-exec)\s*["']?(\/bin\/|\/usr\/bin\/)?(ba|z|k|da)?sh\b/ condition: $a }
rule reverse_shell_socat { strings: $a = /\bsocat\b[^\n]{0,200}\bexec:["']?(\/bin\/)?(ba|z|k|da)?sh\b[^\n]{0,160}\b(tcp[46]?|openssl)(-connect)?:[a-z0-9.\-]+:[0-9]{1,5}/ nocase condition: $a }
rule reverse_shell_fifo { strings: $a = /\b(mkfifo|mknod)\s+(\/tmp|\/dev\/shm|\/var\/tmp)\/[^\s;|]+(\s+p)?\s*[;&|][^\n]{0,120}\b(ba|z|k|da)?sh\b[^\n|]{0,80}\|\s*(nc|ncat|netcat|telnet)\b/ condition: $a }
rule authorized_keys_write { strings: $a = /(echo|printf)\s+["']?(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp[0-9]+)\s+AAAA[A-Za-z0-9+\/=]{20,}[^\n]{0,200}>>?\s*["']?[^\s;|&]*authorized_keys2?\b/ condition: $a }
rule ld_so_preload_write { strings: $a = /(>|> |>>|-a |tee )["']?\/etc\/ld\.so\.preload\b/ condition: $a }
rule ld_preload_temp { strings: $a = /\bLD_PRELOAD=["']?(\/tmp\/|\/dev\/shm\/|\/var\/tmp\/)[^\s"';]*/ condition: $a }
rule cron_persistence { strings: $a = /\|\s*crontab\s+-(\s|\))/ $b = />>?\s*["']?(\/etc\/cron\.(d|hourly|daily|weekly|monthly)\/\S+|\/etc\/crontab|\/var\/spool\/cron\/\S+)/ condition: any of them }
rule curl_pipe_shell { strings: $a = /\b(curl|wget)\b[^\n|;]{0,300}\|\s*(sudo\s+)?(\/bin\/|\/usr\/bin\/)?(ba|z|da|k)?sh\b/ condition: $a }
rule base64_pipe_shell { strings: $a = /\bbase64\s+(-d|--decode|-D|-di)\b[^\n|;]{0,100}\|\s*(sudo\s+)?(\/bin\/|\/usr\/bin\/)?(ba|z|da|k)?sh\b/ condition: $a }
rule kill_competing_miners { strings: $a = /\b(pkill|killall)\s+(-[0-9A-Za-z]+\s+)*["']?(xmrig|kinsing|kdevtmpfsi|minerd|cpuminer|xmr-stak|ddgs|sysupdate|kthreaddi|dbused|watchbog)\b/ condition: $a }
rule disable_security_tools { strings: $a = /\bsetenforce\s+0\b/ $b = /\b(systemctl|service)\s+(stop|disable|mask)\s+(apparmor|firewalld|ufw|auditd|falco|aegis|aliyun|osqueryd)\b/ $c = /\bufw\s+disable\b/ condition: any of them }
rule wipe_traces { strings: $a = /\bunset\s+HISTFILE\b/ $b = /\bexport\s+HISTFILE=\/dev\/null\b/ $c = /\bHISTSIZE=0\b/ $d = /\brm\s+-(rf|fr|r)\s+\/var\/log\/?\*?(\s|;|&)/ condition: any of them }
rule chattr_immutable { strings: $a = /\bchattr\s+(-R\s+)?[\-+][aiu]*i[aiu]*\s+[^\n;|&]{0,120}(\/etc\/|\/root\/|\/tmp\/|authorized_keys|crontab|ld\.so\.preload)/ condition: $a }
rule temp_chmod_exec { strings: $a = /\bchmod\s+(-[A-Za-z]+\s+)?([ugoa]*\+[rw]*x[rw]*|0?[0-7]?[1357][0-7]{2})\s+["']?(\/tmp|\/dev\/shm|\/var\/tmp)\/[^\s"';|&]+/ condition: $a }
rule exec_from_shm { strings: $a = /(nohup\s+|exec\s+|setsid\s+)(\/dev\/shm\/|\/tmp\/\.|\/var\/tmp\/\.)[A-Za-z0-9._\/\-]*[A-Za-z0-9_\-]/ condition: $a }
rule private_key { strings: $a = /-----BEGIN[ A-Z0-9_\-]{0,100}PRIVATE KEY( BLOCK)?-----/ condition: $a }
rule putty_private_key { strings: $a = /PuTTY-User-Key-File-[23]: / condition: $a }
rule gcp_service_account { strings: $a = "\"type\": \"service_account\"" $b = "\"private_key_id\"" condition: all of them }
rule aws_access_key_id { strings: $a = /\b(A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/ condition: $a }
rule aws_secret_access_key { strings: $a = /aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9\/+=]{40}\b/ nocase condition: $a }
rule aws_session_token { strings: $a = /aws_?session_?token["']?\s*[:=]\s*["']?[A-Za-z0-9\/+=]{100,}/ nocase condition: $a }
rule azure_storage_key { strings: $a = /AccountKey=[A-Za-z0-9+\/=]{86,88}/ condition: $a }
rule azure_sas_token { strings: $a = /[?&]sig=[A-Za-z0-9%+\/=]{40,}/ $b = /[?&]sv=20[0-9]{2}-/ condition: all of them }
rule google_api_key { strings: $a = /\bAIza[0-9A-Za-z_\-]{35}\b/ condition: $a }
rule github_token { strings: $a = /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/ $b = /\bgithub_pat_[A-Za-z0-9_]{82}\b/ condition: any of them }
rule gitlab_token { strings: $a = /\bglpat-[A-Za-z0-9_\-]{20}\b/ condition: $a }
rule npm_token { strings: $a = /\bnpm_[A-Za-z0-9]{36}\b/ condition: $a }
rule npmrc_auth_token { strings: $a = /(_authToken|_auth|_password)[ \t]*=[ \t]*["']?[^\s"']{8,}/ nocase condition: $a }
rule pypi_token { strings: $a = /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}/ condition: $a }
rule slack_token { strings: $a = /\bxox[baprs]-[0-9A-Za-z\-]{10,250}/ $b = /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{24}/ condition: any of them }
rule stripe_key { strings: $a = /\b(sk|rk)_(live|test)_[0-9A-Za-z]{24,99}\b/ condition: $a }
rule sendgrid_key { strings: $a = /\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b/ condition: $a }
rule telegram_bot_token { strings: $a = /\b[0-9]{8,10}:AA[0-9A-Za-z_\-]{33}\b/ condition: $a }
rule openai_key { strings: $a = /\bsk-(proj-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}\b/ condition: $a }
rule anthropic_key { strings: $a = /\bsk-ant-(api|admin)[0-9]{2}-[A-Za-z0-9_\-]{80,100}/ condition: $a }
rule huggingface_token { strings: $a = /\bhf_[A-Za-z]{34}\b/ condition: $a }
rule jwt { strings: $a = /\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}/ condition: $a }
rule url_credentials { strings: $a = /[a-z][a-z0-9+.\-]{1,20}:\/\/[^\s:@\/]{1,64}:[^\s:@\/]{3,64}@[a-z0-9.\-]+/ nocase condition: $a }
rule generic_password { strings: $a = /(password|passwd|pwd|secret|token|api_?key)["']?\s*[:=]\s*["'][^"'\s]{8,64}["']/ nocase condition: $a }
