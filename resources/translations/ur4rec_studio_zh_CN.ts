<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AuditPanel</name>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="71"/>
        <source>Leakage audit</source>
        <translation>泄漏审计</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="78"/>
        <source>Folder with user_preferences.json</source>
        <translation>包含 user_preferences.json 的文件夹</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="79"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="81"/>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="82"/>
        <source>Audit the texts generated into the output folder</source>
        <translation>审计生成到输出文件夹中的文本</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="86"/>
        <source>Run audit</source>
        <translation>运行审计</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="88"/>
        <source>Not run yet.</source>
        <translation>尚未运行。</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="92"/>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="92"/>
        <source>Held-out item</source>
        <translation>留出物品</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="92"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="92"/>
        <source>Named as</source>
        <translation>提及形式</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="106"/>
        <source>Select a row to read the audited text.</source>
        <translation>选择一行以查看被审计的文本。</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="124"/>
        <source>Choose a texts folder</source>
        <translation>选择文本文件夹</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="135"/>
        <source>Choose the folder that holds user_preferences.json.</source>
        <translation>请选择包含 user_preferences.json 的文件夹。</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="140"/>
        <source>Auditing…</source>
        <translation>正在审计…</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="154"/>
        <source>{leaking} of {checked} user texts ({share}%) name the user&apos;s validation or test item.</source>
        <translation>{checked} 条用户文本中有 {leaking} 条（{share}%）提到了该用户的验证或测试物品。</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="174"/>
        <source>User {user} names {title} as “{matched}”:</source>
        <translation>用户 {user} 以“{matched}”提到了 {title}：</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_audit_panel.py" line="181"/>
        <source>The audit failed.</source>
        <translation>审计失败。</translation>
    </message>
</context>
<context>
    <name>CachedTextModel</name>
    <message>
        <location filename="../../app/screens/text_table_model.py" line="50"/>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_table_model.py" line="50"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_table_model.py" line="50"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_table_model.py" line="50"/>
        <source>Tokens</source>
        <translation>Token 数</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_table_model.py" line="51"/>
        <source>Text</source>
        <translation>文本</translation>
    </message>
</context>
<context>
    <name>ConfigForm</name>
    <message>
        <location filename="../../app/config_form.py" line="48"/>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <location filename="../../app/config_form.py" line="49"/>
        <source>SASRec</source>
        <translation>SASRec</translation>
    </message>
    <message>
        <location filename="../../app/config_form.py" line="50"/>
        <source>Text encoder</source>
        <translation>文本编码器</translation>
    </message>
    <message>
        <location filename="../../app/config_form.py" line="51"/>
        <source>Mixture of experts (MoE)</source>
        <translation>混合专家（MoE）</translation>
    </message>
    <message>
        <location filename="../../app/config_form.py" line="52"/>
        <source>User memory</source>
        <translation>用户记忆</translation>
    </message>
    <message>
        <location filename="../../app/config_form.py" line="53"/>
        <source>Fusion</source>
        <translation>融合</translation>
    </message>
    <message>
        <location filename="../../app/config_form.py" line="54"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
</context>
<context>
    <name>ConfigHelp</name>
    <message>
        <location filename="../../app/config_help.py" line="15"/>
        <source>Data set format</source>
        <translation>数据集格式</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="16"/>
        <source>Folder (or file for csv/sasrec-txt) holding the data</source>
        <translation>存放数据的文件夹（csv/sasrec-txt 格式则为文件）</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="17"/>
        <source>Folder with item_descriptions.json and user_preferences.json; missing texts use templates</source>
        <translation>包含 item_descriptions.json 和 user_preferences.json 的文件夹；缺失的文本由模板生成</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="18"/>
        <source>What to do with user texts that name a held-out item</source>
        <translation>用户文本提到留出物品时的处理方式</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="19"/>
        <source>Most recent items kept per input sequence</source>
        <translation>每个输入序列保留的最近物品数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="20"/>
        <source>Negatives per user in the sampled evaluation protocol</source>
        <translation>采样评估协议中每个用户的负样本数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="21"/>
        <source>Users of a synthetic data set</source>
        <translation>合成数据集的用户数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="22"/>
        <source>Items of a synthetic data set</source>
        <translation>合成数据集的物品数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="23"/>
        <source>Mean interactions per user of a synthetic data set</source>
        <translation>合成数据集中每个用户的平均交互数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="24"/>
        <source>Embedding and hidden size of SASRec</source>
        <translation>SASRec 的嵌入维度和隐藏层维度</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="25"/>
        <source>Self-attention blocks</source>
        <translation>自注意力块数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="26"/>
        <source>Attention heads per block</source>
        <translation>每个块的注意力头数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="27"/>
        <source>Dropout rate</source>
        <translation>Dropout 比率</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="28"/>
        <source>Multiply input item embeddings by sqrt(hidden_dim), as in the SASRec paper</source>
        <translation>按 SASRec 论文的做法，将输入物品嵌入乘以 sqrt(hidden_dim)</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="29"/>
        <source>sentence-transformers model: all-MiniLM-L6-v2 (bundled) or a local model folder</source>
        <translation>sentence-transformers 模型：all-MiniLM-L6-v2（已内置）或本地模型文件夹</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="30"/>
        <source>Folder for cached text embeddings</source>
        <translation>文本嵌入缓存文件夹</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="31"/>
        <source>Texts encoded per batch</source>
        <translation>每批编码的文本数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="32"/>
        <source>Size of the retriever&apos;s expert representations</source>
        <translation>检索器专家表示的维度</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="33"/>
        <source>Learnable proxy tokens; 0 turns the router off and averages the experts</source>
        <translation>可学习的代理 token 数；为 0 时关闭路由器，对各专家取平均</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="34"/>
        <source>Attention heads of the proxy attention</source>
        <translation>代理注意力的注意力头数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="35"/>
        <source>Dropout in the retriever</source>
        <translation>检索器中的 Dropout 比率</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="36"/>
        <source>Earlier memory states kept per user; 0 disables the memory</source>
        <translation>每个用户保留的历史记忆状态数；为 0 时禁用记忆</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="37"/>
        <source>When a user&apos;s memory updates</source>
        <translation>用户记忆的更新时机</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="38"/>
        <source>INTERACTION_COUNT: interactions between updates</source>
        <translation>INTERACTION_COUNT：两次更新之间的交互数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="39"/>
        <source>DRIFT_THRESHOLD: cosine distance that triggers an update</source>
        <translation>DRIFT_THRESHOLD：触发更新的余弦距离</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="40"/>
        <source>TIME_BASED: global steps between updates</source>
        <translation>TIME_BASED：两次更新之间的全局步数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="41"/>
        <source>Weight of the old memory when blending in the GRU update</source>
        <translation>与 GRU 更新混合时旧记忆的权重</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="42"/>
        <source>How SASRec and retriever scores are fused</source>
        <translation>SASRec 分数与检索器分数的融合方式</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="43"/>
        <source>weighted: SASRec score weight; others: initial weight</source>
        <translation>weighted：SASRec 分数权重；其他方式：初始权重</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="44"/>
        <source>weighted: retriever score weight; others: initial weight</source>
        <translation>weighted：检索器分数权重；其他方式：初始权重</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="45"/>
        <source>Which model to train</source>
        <translation>要训练的模型</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="46"/>
        <source>Stages to run, in order</source>
        <translation>按顺序运行的阶段</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="47"/>
        <source>Maximum epochs per stage</source>
        <translation>每个阶段的最大轮数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="48"/>
        <source>Epochs without a better validation NDCG@10 before stopping</source>
        <translation>验证集 NDCG@10 连续多少轮未提升后提前停止</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="49"/>
        <source>Users per batch</source>
        <translation>每批用户数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="50"/>
        <source>Sampled negatives per batch for the retriever loss; 0 uses all items</source>
        <translation>检索器损失每批采样的负样本数；为 0 时使用全部物品</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="51"/>
        <source>Retriever and fused losses use each sequence&apos;s last N positions; 0 uses all</source>
        <translation>检索器损失和融合损失只使用每个序列的最后 N 个位置；为 0 时使用全部位置</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="52"/>
        <source>pretrain_sasrec: cut long training sequences into max_seq_len windows, so every training item is a target</source>
        <translation>pretrain_sasrec：把较长的训练序列切成 max_seq_len 长的窗口，使每个训练物品都作为一次预测目标</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="53"/>
        <source>Validation protocol for early stopping: full (earlier items masked) or full_unmasked</source>
        <translation>早停所用的验证协议：full（屏蔽用户已交互物品）或 full_unmasked</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="54"/>
        <source>Learning rate of SASRec parameters</source>
        <translation>SASRec 参数的学习率</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="55"/>
        <source>Learning rate of retriever, memory and fusion</source>
        <translation>检索器、记忆和融合模块的学习率</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="56"/>
        <source>AdamW weight decay</source>
        <translation>AdamW 权重衰减</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="57"/>
        <source>Learning-rate factor of joint_finetune and end_to_end</source>
        <translation>joint_finetune 和 end_to_end 阶段的学习率系数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="58"/>
        <source>joint_finetune: switch modules when the active one stops improving</source>
        <translation>joint_finetune：当前模块不再提升时切换模块</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="59"/>
        <source>Relative loss improvement below which the active module switches</source>
        <translation>损失相对改善低于此值时切换当前模块</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="60"/>
        <source>Steps a module trains before a switch</source>
        <translation>切换前一个模块至少训练的步数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="61"/>
        <source>joint_finetune without adaptive alternating: steps per module</source>
        <translation>joint_finetune 不使用自适应交替时：每个模块的训练步数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="62"/>
        <source>Epochs between validations</source>
        <translation>两次验证之间的轮数</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="63"/>
        <source>Random seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="64"/>
        <source>torch CPU threads; 0 uses every core</source>
        <translation>torch CPU 线程数；为 0 时使用全部核心</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="65"/>
        <source>torch device (cpu, cuda, cuda:0)</source>
        <translation>torch 设备（cpu、cuda、cuda:0）</translation>
    </message>
    <message>
        <location filename="../../app/config_help.py" line="66"/>
        <source>Validate on at most this many users; 0 means all</source>
        <translation>验证时最多使用的用户数；为 0 表示全部用户</translation>
    </message>
</context>
<context>
    <name>ConfigScreen</name>
    <message>
        <location filename="../../app/screens/config_screen.py" line="121"/>
        <source>Form</source>
        <translation>表单</translation>
    </message>
    <message>
        <location filename="../../app/screens/config_screen.py" line="122"/>
        <source>YAML</source>
        <translation>YAML</translation>
    </message>
    <message>
        <location filename="../../app/screens/config_screen.py" line="125"/>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <location filename="../../app/screens/config_screen.py" line="127"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../app/screens/config_screen.py" line="129"/>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <location filename="../../app/screens/config_screen.py" line="167"/>
        <source>untitled (not saved)</source>
        <translation>未命名（未保存）</translation>
    </message>
    <message>
        <location filename="../../app/screens/config_screen.py" line="188"/>
        <source>Open config</source>
        <translation>打开配置</translation>
    </message>
    <message>
        <location filename="../../app/screens/config_screen.py" line="190"/>
        <source>YAML config (*.yaml *.yml);;All files (*)</source>
        <translation>YAML 配置 (*.yaml *.yml);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/screens/config_screen.py" line="200"/>
        <source>Cannot open {path}: {error}</source>
        <translation>无法打开 {path}：{error}</translation>
    </message>
    <message>
        <location filename="../../app/screens/config_screen.py" line="205"/>
        <source>Opened {path}</source>
        <translation>已打开 {path}</translation>
    </message>
    <message>
        <location filename="../../app/screens/config_screen.py" line="219"/>
        <source>Save config as</source>
        <translation>配置另存为</translation>
    </message>
    <message>
        <location filename="../../app/screens/config_screen.py" line="219"/>
        <source>YAML config (*.yaml *.yml)</source>
        <translation>YAML 配置 (*.yaml *.yml)</translation>
    </message>
    <message>
        <location filename="../../app/screens/config_screen.py" line="234"/>
        <source>Not saved: the config is invalid. {error}</source>
        <translation>未保存：配置无效。{error}</translation>
    </message>
    <message>
        <location filename="../../app/screens/config_screen.py" line="241"/>
        <source>Cannot save {path}: {error}</source>
        <translation>无法保存 {path}：{error}</translation>
    </message>
    <message>
        <location filename="../../app/screens/config_screen.py" line="249"/>
        <source>Saved {path}</source>
        <translation>已保存 {path}</translation>
    </message>
    <message>
        <location filename="../../app/screens/config_screen.py" line="335"/>
        <source>The config is valid.</source>
        <translation>配置有效。</translation>
    </message>
</context>
<context>
    <name>ErrorBanner</name>
    <message>
        <location filename="../../app/error_banner.py" line="25"/>
        <source>Hide this message</source>
        <translation>隐藏此消息</translation>
    </message>
</context>
<context>
    <name>FieldEditor</name>
    <message>
        <location filename="../../app/config_form.py" line="116"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../app/config_form.py" line="211"/>
        <source>Choose a folder</source>
        <translation>选择文件夹</translation>
    </message>
</context>
<context>
    <name>FolderPicker</name>
    <message>
        <location filename="../../app/settings_dialog.py" line="30"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../app/settings_dialog.py" line="39"/>
        <source>Choose a folder</source>
        <translation>选择文件夹</translation>
    </message>
</context>
<context>
    <name>GenerationPanel</name>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="67"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="84"/>
        <source>Item descriptions</source>
        <translation>物品描述</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="85"/>
        <source>User preferences</source>
        <translation>用户偏好</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="87"/>
        <source>DashScope (Qwen)</source>
        <translation>DashScope（通义千问）</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="88"/>
        <source>Offline templates</source>
        <translation>离线模板</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="97"/>
        <source>Most requests in flight at once</source>
        <translation>同时进行的最大请求数</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="100"/>
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="101"/>
        <source>Only the first N items or users, in id order</source>
        <translation>只处理按 ID 排序的前 N 个物品或用户</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="106"/>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="111"/>
        <source>Texts</source>
        <translation>文本</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="112"/>
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="113"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="114"/>
        <source>Max concurrency</source>
        <translation>最大并发数</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="115"/>
        <source>Limit</source>
        <translation>数量上限</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="116"/>
        <source>Request timeout</source>
        <translation>请求超时</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="117"/>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="119"/>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="121"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="132"/>
        <source>Not started.</source>
        <translation>尚未开始。</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="137"/>
        <source>Texts already in the output folder&apos;s cache are kept; only missing ones are requested.</source>
        <translation>输出文件夹缓存中已有的文本会保留，只请求缺少的文本。</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="170"/>
        <source>not set: add it in File &gt; Settings, or choose the offline backend</source>
        <translation>未设置：请在“文件 &gt; 设置”中填写，或选择离线后端</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="216"/>
        <source>Loading the data set…</source>
        <translation>正在加载数据集…</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="228"/>
        <source>Stopping after the requests in flight (each ends within {timeout} s)…</source>
        <translation>正在等待进行中的请求结束后停止（每个请求最多 {timeout} 秒）…</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="231"/>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="305"/>
        <source>Failed.</source>
        <translation>失败。</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="248"/>
        <source>{finished} / {pending} texts · {rate} per second · ETA {eta}</source>
        <translation>{finished} / {pending} 条文本 · 每秒 {rate} 条 · 预计剩余 {eta}</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="260"/>
        <source>generated {done} · already cached {cached} · moderated {moderated} · failed {failed} · tokens {tokens}</source>
        <translation>已生成 {done} · 已缓存 {cached} · 审核拒绝 {moderated} · 失败 {failed} · Token {tokens}</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="281"/>
        <source>Stopped. Start again to generate the missing texts.</source>
        <translation>已停止。再次开始即可生成缺少的文本。</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="283"/>
        <source>Finished; {failed} texts failed. Start again to retry them.</source>
        <translation>已完成；{failed} 条文本失败。再次开始即可重试。</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="287"/>
        <source>Finished.</source>
        <translation>已完成。</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="291"/>
        <source>Wrote the texts to {path}</source>
        <translation>文本已写入 {path}</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_generation_panel.py" line="302"/>
        <source>Failed; texts that finished are kept in the cache.</source>
        <translation>失败；已完成的文本保留在缓存中。</translation>
    </message>
</context>
<context>
    <name>LivePlots</name>
    <message>
        <location filename="../../app/plots.py" line="78"/>
        <source>step (all stages)</source>
        <translation>步数（所有阶段）</translation>
    </message>
    <message>
        <location filename="../../app/plots.py" line="79"/>
        <source>Training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <location filename="../../app/plots.py" line="81"/>
        <source>Validation NDCG@10 (full ranking)</source>
        <translation>验证集 NDCG@10（全量排序）</translation>
    </message>
    <message>
        <location filename="../../app/plots.py" line="84"/>
        <source>Expert gate weights (batch mean)</source>
        <translation>专家门控权重（批均值）</translation>
    </message>
    <message>
        <location filename="../../app/plots.py" line="86"/>
        <source>Fusion weights (batch mean)</source>
        <translation>融合权重（批均值）</translation>
    </message>
    <message>
        <location filename="../../app/plots.py" line="97"/>
        <source>preference</source>
        <translation>偏好</translation>
    </message>
    <message>
        <location filename="../../app/plots.py" line="98"/>
        <source>description</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../../app/plots.py" line="99"/>
        <source>item ID</source>
        <translation>物品 ID</translation>
    </message>
    <message>
        <location filename="../../app/plots.py" line="105"/>
        <source>retriever</source>
        <translation>检索器</translation>
    </message>
    <message>
        <location filename="../../app/plots.py" line="257"/>
        <source>UR4Rec training plots</source>
        <translation>UR4Rec 训练曲线</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/main_window.py" line="55"/>
        <source>Config</source>
        <translation>配置</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="56"/>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="57"/>
        <source>Memory</source>
        <translation>记忆</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="58"/>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="59"/>
        <source>Texts</source>
        <translation>文本</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="62"/>
        <location filename="../../app/main_window.py" line="218"/>
        <source>Idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="86"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="88"/>
        <source>&amp;New config</source>
        <translation>新建配置(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="92"/>
        <source>&amp;Open config…</source>
        <translation>打开配置(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="97"/>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="101"/>
        <source>Save &amp;as…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="105"/>
        <source>Recent configs</source>
        <translation>最近的配置</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="108"/>
        <source>Open &amp;run folder…</source>
        <translation>打开运行文件夹(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="109"/>
        <source>Recent runs</source>
        <translation>最近的运行</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="113"/>
        <source>Se&amp;ttings…</source>
        <translation>设置(&amp;T)…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="116"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="118"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="119"/>
        <source>&amp;About UR4Rec Studio</source>
        <translation>关于 UR4Rec Studio(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="142"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="164"/>
        <location filename="../../app/main_window.py" line="172"/>
        <location filename="../../app/main_window.py" line="261"/>
        <source>Discard changes?</source>
        <translation>放弃更改？</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="164"/>
        <location filename="../../app/main_window.py" line="172"/>
        <source>The config has unsaved changes. Discard them?</source>
        <translation>配置有未保存的更改。要放弃这些更改吗？</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="184"/>
        <source>Open run folder</source>
        <translation>打开运行文件夹</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="194"/>
        <source>{path} is not a run folder (no config.yaml).</source>
        <translation>{path} 不是运行文件夹（没有 config.yaml）。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="218"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="229"/>
        <source>Settings saved. A new language applies after a restart.</source>
        <translation>设置已保存。新的界面语言将在重启后生效。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="234"/>
        <source>About UR4Rec Studio</source>
        <translation>关于 UR4Rec Studio</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="236"/>
        <source>UR4Rec Studio trains and inspects UR4Rec: SASRec, a mixture-of-experts text retriever and a per-user memory, on MovieLens and similar data sets.</source>
        <translation>UR4Rec Studio 用于在 MovieLens 等数据集上训练和分析 UR4Rec：SASRec、混合专家文本检索器以及逐用户记忆。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="262"/>
        <source>The config has unsaved changes. Quit without saving them?</source>
        <translation>配置有未保存的更改。不保存就退出吗？</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="279"/>
        <source>Stop text generation?</source>
        <translation>停止文本生成？</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="281"/>
        <source>Texts are being generated. Stop and quit? Finished texts stay in the cache; the window closes when the requests in flight have ended.</source>
        <translation>正在生成文本。停止并退出吗？已完成的文本保留在缓存中；进行中的请求结束后窗口将关闭。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="299"/>
        <source>Stopping the text generation; the window closes when the requests in flight have ended…</source>
        <translation>正在停止文本生成；进行中的请求结束后窗口将关闭…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="270"/>
        <source>Stop training?</source>
        <translation>停止训练？</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="272"/>
        <source>A training run is in progress. Stop it and quit? The run saves a checkpoint and can be resumed later.</source>
        <translation>训练正在进行。要停止训练并退出吗？运行会保存检查点，之后可以继续。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="293"/>
        <source>Stopping the training; the window closes when the checkpoint is saved…</source>
        <translation>正在停止训练；检查点保存后窗口将关闭…</translation>
    </message>
</context>
<context>
    <name>MemoryDetailView</name>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="91"/>
        <source>Memory vector (row by row)</source>
        <translation>记忆向量（逐行显示）</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="93"/>
        <source>first dimension of the row</source>
        <translation>该行的起始维度</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="94"/>
        <source>offset within the row</source>
        <translation>行内偏移</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="107"/>
        <source>Memory norm</source>
        <translation>记忆范数</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="108"/>
        <source>Drift</source>
        <translation>漂移</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="109"/>
        <source>Cosine change from the previous snapshot</source>
        <translation>相对上一个快照的余弦变化</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="110"/>
        <source>Interaction count</source>
        <translation>交互数</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="132"/>
        <source>Select a user to see their memory.</source>
        <translation>选择一个用户以查看其记忆。</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="162"/>
        <source>User {0} in snapshot #{1}: {2} dimensions, norm {3:.4g}. History over {4} snapshots, the dashed line marks this snapshot.</source>
        <translation>用户 {0}，快照 #{1}：{2} 维，范数 {3:.4g}。历史涵盖 {4} 个快照，虚线标出当前快照。</translation>
    </message>
</context>
<context>
    <name>MemoryScreen</name>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="209"/>
        <source>Choose run…</source>
        <translation>选择运行…</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="214"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="215"/>
        <source>Read the snapshot list and rows again</source>
        <translation>重新读取快照列表和数据行</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="221"/>
        <source>Snapshot:</source>
        <translation>快照：</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="248"/>
        <source>Search user id</source>
        <translation>搜索用户 ID</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="264"/>
        <source>Export snapshot…</source>
        <translation>导出快照…</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="266"/>
        <source>Export user…</source>
        <translation>导出用户…</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="307"/>
        <source>No run selected</source>
        <translation>未选择运行</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="321"/>
        <source>Cannot read the run store: {0}</source>
        <translation>无法读取运行存储：{0}</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="325"/>
        <source>This run has no memory snapshots yet. A snapshot is written when a stage that trains the memory finishes. A run with memory disabled (memory.max_memory_size: 0) has none.</source>
        <translation>该运行还没有记忆快照。训练记忆的阶段完成时会写入快照；禁用记忆的运行（memory.max_memory_size: 0）没有快照。</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="337"/>
        <source>No run selected. Choose a run folder to browse its memory snapshots.</source>
        <translation>未选择运行。请选择一个运行文件夹以浏览其记忆快照。</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="341"/>
        <source>{0} has no run store (store.sqlite). Choose a run folder written by a training, or start the training first.</source>
        <translation>{0} 中没有运行存储（store.sqlite）。请选择由训练生成的运行文件夹，或先开始训练。</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="347"/>
        <source>Cannot open the run store: {0}</source>
        <translation>无法打开运行存储：{0}</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="379"/>
        <source>#{0} {1} epoch {2} ({3} users)</source>
        <translation>#{0} {1} 第 {2} 轮（{3} 个用户）</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="392"/>
        <source>Choose a run folder</source>
        <translation>选择运行文件夹</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="404"/>
        <location filename="../../app/screens/memory_screen.py" line="410"/>
        <source>Cannot read the snapshot: {0}</source>
        <translation>无法读取快照：{0}</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="416"/>
        <source>{0} of {1} users match</source>
        <translation>{1} 个用户中有 {0} 个匹配</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="460"/>
        <source>No memory for user {0}: {1}</source>
        <translation>用户 {0} 没有记忆：{1}</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="479"/>
        <source>No snapshot to export. Choose a run with snapshots first.</source>
        <translation>没有可导出的快照。请先选择一个包含快照的运行。</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="486"/>
        <source>No user to export. Select a user in the table first.</source>
        <translation>没有可导出的用户。请先在表格中选择一个用户。</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="499"/>
        <source>Export snapshot</source>
        <translation>导出快照</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="510"/>
        <source>Export user</source>
        <translation>导出用户</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="517"/>
        <source>CSV (*.csv);;JSON (*.json);;Parquet (*.parquet)</source>
        <translation>CSV (*.csv);;JSON (*.json);;Parquet (*.parquet)</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="525"/>
        <source>Exporting to {0}…</source>
        <translation>正在导出到 {0}…</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="531"/>
        <source>Exported to {0}</source>
        <translation>已导出到 {0}</translation>
    </message>
    <message>
        <location filename="../../app/screens/memory_screen.py" line="537"/>
        <source>Export failed: {0}</source>
        <translation>导出失败：{0}</translation>
    </message>
</context>
<context>
    <name>MetricsTable</name>
    <message>
        <location filename="../../app/metrics_table.py" line="69"/>
        <source>Show every score kind (fused, SASRec, retriever)</source>
        <translation>显示所有分数类型（融合、SASRec、检索器）</translation>
    </message>
    <message>
        <location filename="../../app/metrics_table.py" line="71"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../../app/metrics_table.py" line="73"/>
        <source>Copy the selected cells, or the whole table, as tab-separated text</source>
        <translation>将选中的单元格（或整张表）复制为制表符分隔的文本</translation>
    </message>
    <message>
        <location filename="../../app/metrics_table.py" line="76"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../../app/metrics_table.py" line="93"/>
        <source>stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <location filename="../../app/metrics_table.py" line="93"/>
        <source>phase</source>
        <translation>数据划分</translation>
    </message>
    <message>
        <location filename="../../app/metrics_table.py" line="93"/>
        <source>score</source>
        <translation>分数</translation>
    </message>
    <message>
        <location filename="../../app/metrics_table.py" line="93"/>
        <source>protocol</source>
        <translation>评估协议</translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <location filename="../../app/progress_panel.py" line="59"/>
        <source>No run in progress.</source>
        <translation>当前没有运行。</translation>
    </message>
    <message>
        <location filename="../../app/progress_panel.py" line="77"/>
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <location filename="../../app/progress_panel.py" line="94"/>
        <source>preparing</source>
        <translation>准备中</translation>
    </message>
    <message>
        <location filename="../../app/progress_panel.py" line="105"/>
        <source>epoch {epoch}/{epochs} · loss {loss} · ETA {eta}</source>
        <translation>第 {epoch}/{epochs} 轮 · 损失 {loss} · 预计剩余 {eta}</translation>
    </message>
    <message>
        <location filename="../../app/progress_panel.py" line="118"/>
        <location filename="../../app/progress_panel.py" line="142"/>
        <source>stopped (resumable)</source>
        <translation>已停止（可继续）</translation>
    </message>
    <message>
        <location filename="../../app/progress_panel.py" line="124"/>
        <source>done · kept the starting model</source>
        <translation>完成 · 保留了起始模型</translation>
    </message>
    <message>
        <location filename="../../app/progress_panel.py" line="127"/>
        <source>done · best epoch {epoch}</source>
        <translation>完成 · 最佳轮次 {epoch}</translation>
    </message>
    <message>
        <location filename="../../app/progress_panel.py" line="139"/>
        <source>finished earlier</source>
        <translation>此前已完成</translation>
    </message>
    <message>
        <location filename="../../app/progress_panel.py" line="144"/>
        <source>not started</source>
        <translation>未开始</translation>
    </message>
</context>
<context>
    <name>RunScreen</name>
    <message>
        <location filename="../../app/screens/run_screen.py" line="91"/>
        <source>Run folder: checkpoints, results.json, the run store and TensorBoard files are written here</source>
        <translation>运行文件夹：检查点、results.json、运行存储和 TensorBoard 文件都写入这里</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="96"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="99"/>
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="101"/>
        <source>Use a new timestamped folder under the runs folder</source>
        <translation>在运行根目录下使用一个带时间戳的新文件夹</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="105"/>
        <source>Run all stages</source>
        <translation>运行全部阶段</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="109"/>
        <source>Run stage</source>
        <translation>运行单个阶段</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="113"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="115"/>
        <source>Stop after the current batch and save a resumable checkpoint</source>
        <translation>在当前批次结束后停止，并保存可继续的检查点</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="118"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="119"/>
        <source>Continue the stopped run in the run folder</source>
        <translation>继续运行文件夹中已停止的运行</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="121"/>
        <source>Export plots…</source>
        <translation>导出曲线图…</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="136"/>
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="137"/>
        <source>Metrics</source>
        <translation>指标</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="141"/>
        <source>Run folder:</source>
        <translation>运行文件夹：</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="242"/>
        <source>Choose a run folder</source>
        <translation>选择运行文件夹</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="259"/>
        <source>The config is invalid; fix it on the Config screen first.</source>
        <translation>配置无效；请先在“配置”页面中修正。</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="266"/>
        <source>Choose a run folder first.</source>
        <translation>请先选择运行文件夹。</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="284"/>
        <source>Resuming the run in {folder}</source>
        <translation>正在继续 {folder} 中的运行</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="286"/>
        <source>Starting training in {folder}</source>
        <translation>正在 {folder} 中开始训练</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="290"/>
        <source>Training…</source>
        <translation>训练中…</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="301"/>
        <source>Stop requested: the run stops after the current batch and saves a resumable checkpoint.</source>
        <translation>已请求停止：运行将在当前批次结束后停止，并保存可继续的检查点。</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="305"/>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="330"/>
        <source>The config is invalid; see the Config screen</source>
        <translation>配置无效；请查看“配置”页面</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="345"/>
        <source>Memory: {users} users with memory · {updates} updates · mean drift {drift}</source>
        <translation>记忆：{users} 个用户有记忆 · {updates} 次更新 · 平均漂移 {drift}</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="374"/>
        <source>finished earlier</source>
        <translation>此前已完成</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="383"/>
        <source>{stage} starting model: valid NDCG@10 {ndcg}</source>
        <translation>{stage} 起始模型：验证集 NDCG@10 {ndcg}</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="387"/>
        <source>{stage} epoch {epoch}: train loss {loss}, valid NDCG@10 {ndcg} ({seconds} s)</source>
        <translation>{stage} 第 {epoch} 轮：训练损失 {loss}，验证集 NDCG@10 {ndcg}（{seconds} 秒）</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="408"/>
        <source>Run stopped; press Resume to continue it.</source>
        <translation>运行已停止；点击“继续”可接着运行。</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="410"/>
        <source>Run finished.</source>
        <translation>运行完成。</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="416"/>
        <source>Training failed: {message}</source>
        <translation>训练失败：{message}</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="419"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="420"/>
        <source>Training failed.</source>
        <translation>训练失败。</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="430"/>
        <source>PNG image (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="430"/>
        <source>SVG image (*.svg)</source>
        <translation>SVG 图像 (*.svg)</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="432"/>
        <source>Export plots</source>
        <translation>导出曲线图</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="442"/>
        <location filename="../../app/screens/run_screen.py" line="458"/>
        <source>Could not write {path}: {error}</source>
        <translation>无法写入 {path}：{error}</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="445"/>
        <source>Plots written to {path}</source>
        <translation>曲线图已写入 {path}</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="450"/>
        <source>Export metrics</source>
        <translation>导出指标</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="450"/>
        <source>CSV file (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../app/screens/run_screen.py" line="461"/>
        <source>Metrics written to {path}</source>
        <translation>指标已写入 {path}</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../app/settings_dialog.py" line="54"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../app/settings_dialog.py" line="59"/>
        <source>System language</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../app/settings_dialog.py" line="68"/>
        <source>Relative data, text and cache paths in a config are resolved against this folder</source>
        <translation>配置中的相对数据、文本和缓存路径均以此文件夹为基准</translation>
    </message>
    <message>
        <location filename="../../app/settings_dialog.py" line="72"/>
        <source>New run folders are created here</source>
        <translation>新的运行文件夹创建在这里</translation>
    </message>
    <message>
        <location filename="../../app/settings_dialog.py" line="78"/>
        <source>stored: {key}; type a new key to replace it</source>
        <translation>已保存：{key}；输入新密钥即可替换</translation>
    </message>
    <message>
        <location filename="../../app/settings_dialog.py" line="80"/>
        <source>not set; type a key to store it</source>
        <translation>未设置；输入密钥即可保存</translation>
    </message>
    <message>
        <location filename="../../app/settings_dialog.py" line="82"/>
        <source>Remove stored key</source>
        <translation>删除已保存的密钥</translation>
    </message>
    <message>
        <location filename="../../app/settings_dialog.py" line="89"/>
        <source>(not set)</source>
        <translation>（未设置）</translation>
    </message>
    <message>
        <location filename="../../app/settings_dialog.py" line="92"/>
        <source>Language</source>
        <translation>界面语言</translation>
    </message>
    <message>
        <location filename="../../app/settings_dialog.py" line="93"/>
        <source>Data folder</source>
        <translation>数据文件夹</translation>
    </message>
    <message>
        <location filename="../../app/settings_dialog.py" line="94"/>
        <source>Runs folder</source>
        <translation>运行根目录</translation>
    </message>
    <message>
        <location filename="../../app/settings_dialog.py" line="95"/>
        <source>DashScope API key</source>
        <translation>DashScope API 密钥</translation>
    </message>
    <message>
        <location filename="../../app/settings_dialog.py" line="99"/>
        <source>The language applies after a restart. The API key is kept in the studio&apos;s settings store, never in a config file or a log.</source>
        <translation>界面语言在重启后生效。API 密钥只保存在本程序的设置存储中，绝不会写入配置文件或日志。</translation>
    </message>
    <message>
        <location filename="../../app/settings_dialog.py" line="117"/>
        <source>(will be removed)</source>
        <translation>（将被删除）</translation>
    </message>
</context>
<context>
    <name>SnapshotUserModel</name>
    <message>
        <location filename="../../app/screens/snapshot_model.py" line="132"/>
        <source>User id</source>
        <translation>用户 ID</translation>
    </message>
    <message>
        <location filename="../../app/screens/snapshot_model.py" line="133"/>
        <source>Interactions</source>
        <translation>交互数</translation>
    </message>
    <message>
        <location filename="../../app/screens/snapshot_model.py" line="134"/>
        <source>Last update step</source>
        <translation>最近更新步数</translation>
    </message>
    <message>
        <location filename="../../app/screens/snapshot_model.py" line="135"/>
        <source>Drift</source>
        <translation>漂移</translation>
    </message>
    <message>
        <location filename="../../app/screens/snapshot_model.py" line="136"/>
        <source>Memory norm</source>
        <translation>记忆范数</translation>
    </message>
    <message>
        <location filename="../../app/screens/snapshot_model.py" line="154"/>
        <source>n/a</source>
        <translation>无</translation>
    </message>
</context>
<context>
    <name>TextBrowser</name>
    <message>
        <location filename="../../app/screens/text_browser.py" line="45"/>
        <source>Cached texts</source>
        <translation>缓存的文本</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="57"/>
        <source>Item descriptions</source>
        <translation>物品描述</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="58"/>
        <source>User preferences</source>
        <translation>用户偏好</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="61"/>
        <source>Model and prompt template the texts were made with</source>
        <translation>生成这些文本所用的模型和提示模板</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="64"/>
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="69"/>
        <source>Search id, title or text</source>
        <translation>搜索 ID、标题或文本</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="72"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="95"/>
        <location filename="../../app/screens/text_browser.py" line="245"/>
        <source>Select a text to see its prompt and answer.</source>
        <translation>选择一条文本以查看其提示和回答。</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="106"/>
        <source>Prompt</source>
        <translation>提示</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="108"/>
        <source>Answer</source>
        <translation>回答</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="152"/>
        <source>No text cache in {folder} yet.</source>
        <translation>{folder} 中还没有文本缓存。</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="156"/>
        <source>{model} · template {digest} · {count} texts</source>
        <translation>{model} · 模板 {digest} · {count} 条文本</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="176"/>
        <source>The cache contains no texts of this kind yet.</source>
        <translation>缓存中还没有这类文本。</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="202"/>
        <source>{shown} of {total} texts shown</source>
        <translation>显示 {total} 条文本中的 {shown} 条</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="249"/>
        <source>Item {id}</source>
        <translation>物品 {id}</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="249"/>
        <source>User {id}</source>
        <translation>用户 {id}</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="252"/>
        <source>{what} · {status} · {prompt_tokens} prompt + {completion_tokens} completion tokens · request {request} · {created}</source>
        <translation>{what} · {status} · 提示 {prompt_tokens} + 回答 {completion_tokens} 个 Token · 请求 {request} · {created}</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="266"/>
        <source>(Moderation rejected this prompt; the offline template text below is used.)</source>
        <translation>（内容审核拒绝了此提示；下面使用的是离线模板文本。）</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="274"/>
        <source>Offline template texts are written without a prompt.</source>
        <translation>离线模板文本不经过提示生成。</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="277"/>
        <source>Loading the data set…</source>
        <translation>正在加载数据集…</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="289"/>
        <source>Cannot load the data set: {error}</source>
        <translation>无法加载数据集：{error}</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="302"/>
        <source>Id {id} is not in the data set {path}.</source>
        <translation>ID {id} 不在数据集 {path} 中。</translation>
    </message>
    <message>
        <location filename="../../app/screens/text_browser.py" line="309"/>
        <source>This text was made with prompt template {old}; the prompt below uses the current template {new}.</source>
        <translation>此文本由提示模板 {old} 生成；下面的提示使用当前模板 {new}。</translation>
    </message>
</context>
<context>
    <name>TextsScreen</name>
    <message>
        <location filename="../../app/screens/texts_screen.py" line="54"/>
        <source>Data set folder (or file for csv and sasrec-txt)</source>
        <translation>数据集文件夹（csv 和 sasrec-txt 为文件）</translation>
    </message>
    <message>
        <location filename="../../app/screens/texts_screen.py" line="55"/>
        <location filename="../../app/screens/texts_screen.py" line="59"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../app/screens/texts_screen.py" line="58"/>
        <source>Folder of the text cache and its JSON export</source>
        <translation>文本缓存及其 JSON 导出所在的文件夹</translation>
    </message>
    <message>
        <location filename="../../app/screens/texts_screen.py" line="64"/>
        <source>Data set</source>
        <translation>数据集</translation>
    </message>
    <message>
        <location filename="../../app/screens/texts_screen.py" line="69"/>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <location filename="../../app/screens/texts_screen.py" line="112"/>
        <source>Choose the data set folder (or file) first.</source>
        <translation>请先选择数据集文件夹（或文件）。</translation>
    </message>
    <message>
        <location filename="../../app/screens/texts_screen.py" line="114"/>
        <source>Choose the output folder first.</source>
        <translation>请先选择输出文件夹。</translation>
    </message>
    <message>
        <location filename="../../app/screens/texts_screen.py" line="154"/>
        <source>Choose the data file</source>
        <translation>选择数据文件</translation>
    </message>
    <message>
        <location filename="../../app/screens/texts_screen.py" line="156"/>
        <source>Choose the data folder</source>
        <translation>选择数据文件夹</translation>
    </message>
    <message>
        <location filename="../../app/screens/texts_screen.py" line="162"/>
        <source>Choose the output folder</source>
        <translation>选择输出文件夹</translation>
    </message>
</context>
<context>
    <name>UserScreen</name>
    <message>
        <location filename="../../app/screens/user_screen.py" line="251"/>
        <source>Choose run…</source>
        <translation>选择运行…</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="257"/>
        <source>Raw user id, e.g. 1</source>
        <translation>原始用户 ID，例如 1</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="268"/>
        <source>Recommend</source>
        <translation>推荐</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="275"/>
        <source>User:</source>
        <translation>用户：</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="277"/>
        <source>K:</source>
        <translation>K：</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="279"/>
        <source>Stage:</source>
        <translation>阶段：</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="300"/>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="300"/>
        <location filename="../../app/screens/user_screen.py" line="329"/>
        <source>Item id</source>
        <translation>物品 ID</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="300"/>
        <location filename="../../app/screens/user_screen.py" line="329"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="300"/>
        <source>Date (UTC)</source>
        <translation>日期（UTC）</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="301"/>
        <source>Genres</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="301"/>
        <source>Held out</source>
        <translation>留出</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="304"/>
        <source>Highlighted rows are held out from training: the validation item (amber) and the test item (red).</source>
        <translation>高亮的行未参与训练：验证物品（琥珀色）和测试物品（红色）。</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="308"/>
        <source>Interaction history</source>
        <translation>交互历史</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="320"/>
        <source>LLM preference text</source>
        <translation>LLM 偏好文本</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="329"/>
        <source>Rank</source>
        <translation>排名</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="329"/>
        <source>Fused score</source>
        <translation>融合分数</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="330"/>
        <source>SASRec score</source>
        <translation>SASRec 分数</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="330"/>
        <source>Retriever score</source>
        <translation>检索器分数</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="330"/>
        <source>Gate: preference</source>
        <translation>门控：偏好</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="331"/>
        <source>Gate: description</source>
        <translation>门控：描述</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="331"/>
        <source>Gate: item id</source>
        <translation>门控：物品 ID</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="337"/>
        <source>Top-K recommendations</source>
        <translation>Top-K 推荐</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="361"/>
        <source>No run selected</source>
        <translation>未选择运行</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="363"/>
        <source>No run selected. Choose a run folder to inspect a user.</source>
        <translation>未选择运行。请选择一个运行文件夹以查看用户。</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="386"/>
        <source>No stage of this run has finished yet. Recommendations need a trained stage.</source>
        <translation>该运行还没有完成任何阶段。推荐需要一个训练完成的阶段。</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="415"/>
        <source>Choose a run folder</source>
        <translation>选择运行文件夹</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="440"/>
        <source>No run selected. Choose a run folder first.</source>
        <translation>未选择运行。请先选择运行文件夹。</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="443"/>
        <source>Enter a raw user id, e.g. 1.</source>
        <translation>请输入原始用户 ID，例如 1。</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="455"/>
        <source>Loading the run (stage {0})…</source>
        <translation>正在加载运行（阶段 {0}）…</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="457"/>
        <source>Loading the run…</source>
        <translation>正在加载运行…</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="474"/>
        <source>Recommending for user {0}…</source>
        <translation>正在为用户 {0} 生成推荐…</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="488"/>
        <source>Top {0} items for user {1} from stage {2}.</source>
        <translation>阶段 {2} 为用户 {1} 推荐的前 {0} 个物品。</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="500"/>
        <source>Unexpected error ({0}): {1}
The log has the details.</source>
        <translation>意外错误（{0}）：{1}
详细信息见日志。</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="523"/>
        <source>Error: {0}</source>
        <translation>错误：{0}</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="539"/>
        <source>held out: validation</source>
        <translation>留出：验证</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="541"/>
        <source>held out: test</source>
        <translation>留出：测试</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="563"/>
        <source>User {0}: {1} interactions, {2} held out for evaluation.</source>
        <translation>用户 {0}：{1} 次交互，其中 {2} 次留作评估。</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="569"/>
        <source>Source: {0}. {1}</source>
        <translation>来源：{0}。{1}</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="577"/>
        <source>The LLM wrote this text, and it was imported from the texts folder.</source>
        <translation>此文本由 LLM 撰写，从文本文件夹导入。</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="580"/>
        <source>There was no LLM text for this user, so an offline template built from the training history is used.</source>
        <translation>该用户没有 LLM 文本，因此使用根据训练历史生成的离线模板。</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="585"/>
        <source>The LLM text named a held-out (validation or test) item, so it was replaced by an offline template built from the training history.</source>
        <translation>LLM 文本提到了留出的（验证或测试）物品，因此被替换为根据训练历史生成的离线模板。</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="590"/>
        <source>The LLM text named a held-out item and the drop-leaking policy removed it, so this user has no preference text.</source>
        <translation>LLM 文本提到了留出物品，drop-leaking 策略已将其删除，因此该用户没有偏好文本。</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="595"/>
        <source>The LLM text names a held-out item and was kept (texts policy keep), so evaluation results for this user are optimistic.</source>
        <translation>LLM 文本提到了留出物品但被保留（文本策略为 keep），因此该用户的评估结果偏乐观。</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="598"/>
        <source>Unknown source label.</source>
        <translation>未知的来源标签。</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="620"/>
        <source>This is the user&apos;s held-out test item.</source>
        <translation>这是该用户留出的测试物品。</translation>
    </message>
    <message>
        <location filename="../../app/screens/user_screen.py" line="623"/>
        <source>Top {0} items for user {1} from stage {2}, excluding items in the input sequence. Gates weigh the preference, description and item id experts.</source>
        <translation>阶段 {2} 为用户 {1} 推荐的前 {0} 个物品，不含输入序列中已有的物品。门控权重分配给偏好、描述和物品 ID 三个专家。</translation>
    </message>
</context>
</TS>
