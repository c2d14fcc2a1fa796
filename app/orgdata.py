"""Reference data from the seed plans: departments and the two-level case categories."""

# code, name — the functional departments the street dispatches to (职能部门).
DEPARTMENTS = (
    ("police", "派出所"),
    ("chengguan", "城管中队"),
    ("sanitation", "环卫所"),
    ("environment", "环保站"),
    ("safety", "安监办"),
    ("construction", "城建办"),
    ("food", "食安办"),
    ("property", "物业公司"),
    ("water", "水利站"),
    ("market", "市场监管所"),
    ("power", "供电所"),
    ("civil", "民政办"),
    ("justice", "司法所"),
)

# major code, major name, [(minor code, minor name, default department code, urgency, public)].
CATEGORIES = (
    ("01", "市容环境", (
        ("0101", "垃圾堆放", "sanitation", "normal", True),
        ("0102", "楼道堆物", "property", "normal", True),
        ("0103", "乱贴乱画", "chengguan", "normal", True),
        ("0104", "污水外溢", "sanitation", "urgent", True),
        ("0105", "绿化带破坏", "chengguan", "normal", False),
    )),
    ("02", "街面秩序", (
        ("0201", "占道经营", "chengguan", "normal", True),
        ("0202", "流动摊贩", "chengguan", "normal", False),
        ("0203", "乱停乱放", "police", "normal", True),
        ("0204", "违法建设", "construction", "complex", True),
    )),
    ("03", "公共设施", (
        ("0301", "路灯损坏", "power", "normal", True),
        ("0302", "下水道堵塞", "water", "urgent", True),
        ("0303", "化粪池满溢", "sanitation", "urgent", False),
        ("0304", "果壳箱损坏", "sanitation", "normal", False),
        ("0305", "道路破损", "construction", "normal", True),
    )),
    ("04", "治安消防", (
        ("0401", "治安隐患", "police", "urgent", True),
        ("0402", "消防通道堵塞", "police", "urgent", True),
        ("0403", "电动车违规充电", "property", "urgent", True),
    )),
    ("05", "安全生产", (
        ("0501", "生产安全隐患", "safety", "urgent", False),
        ("0502", "燃气安全隐患", "safety", "urgent", True),
        ("0503", "食品安全", "food", "normal", True),
    )),
    ("06", "矛盾纠纷", (
        ("0601", "邻里纠纷", "justice", "complex", True),
        ("0602", "物业纠纷", "property", "complex", True),
        ("0603", "劳资纠纷", "justice", "complex", False),
    )),
    ("07", "环境违法", (
        ("0701", "违法排污", "environment", "urgent", True),
        ("0702", "秸秆焚烧", "environment", "urgent", False),
        ("0703", "噪声扰民", "environment", "normal", True),
        ("0704", "油烟污染", "environment", "normal", True),
    )),
    ("08", "民生诉求", (
        ("0801", "低保救助", "civil", "complex", False),
        ("0802", "代办服务", "civil", "normal", True),
        ("0803", "特殊人群关爱", "civil", "normal", False),
        ("0804", "出租屋管理", "police", "normal", False),
    )),
)

# Titles a grid member would write, per minor category.
TITLES = {
    "0101": ("小区东门垃圾堆放未清运", "绿化带内建筑垃圾堆放", "菜场后巷生活垃圾成堆"),
    "0102": ("楼道堆放杂物影响通行", "单元门口堆放纸箱", "楼梯间堆放旧家具"),
    "0103": ("墙面小广告乱贴", "电线杆张贴牛皮癣广告", "围墙涂鸦"),
    "0104": ("路面污水外溢", "化粪池井盖冒水", "下水口污水倒灌"),
    "0105": ("绿化带被踩踏毁坏", "行道树被私自砍伐"),
    "0201": ("商铺门前占道经营", "早餐摊占用人行道", "水果摊出店经营"),
    "0202": ("路口流动摊贩聚集", "夜市流动摊点扰民"),
    "0203": ("机动车占用消防通道停放", "共享单车乱停放", "人行道停放车辆"),
    "0204": ("楼顶私搭乱建", "一楼院落违章搭建", "沿街违章加盖"),
    "0301": ("路灯不亮", "路灯杆倾斜", "小区照明灯损坏"),
    "0302": ("下水道堵塞积水", "雨水篦子堵塞"),
    "0303": ("化粪池满溢", "化粪池盖板破损"),
    "0304": ("果壳箱破损", "垃圾桶缺失"),
    "0305": ("人行道地砖破损", "路面坑洼积水"),
    "0401": ("小区门禁损坏存在隐患", "可疑人员出入", "监控探头损坏"),
    "0402": ("消防通道被杂物堵塞", "楼道消防栓被遮挡"),
    "0403": ("电动车楼道内充电", "飞线充电"),
    "0501": ("小作坊生产安全隐患", "施工现场无防护"),
    "0502": ("餐馆燃气瓶存放不规范", "燃气管道老化"),
    "0503": ("无证小餐饮", "食品过期销售"),
    "0601": ("邻里漏水纠纷", "楼上噪音引发邻里矛盾"),
    "0602": ("物业费纠纷", "电梯维修费用分摊纠纷"),
    "0603": ("装修工人工资拖欠",),
    "0701": ("餐饮店污水直排", "洗车店污水排入雨水管"),
    "0702": ("田间焚烧秸秆",),
    "0703": ("夜间施工噪声扰民", "广场舞音响扰民"),
    "0704": ("烧烤店油烟扰民", "餐馆油烟直排"),
    "0801": ("困难家庭申请救助", "低保待遇咨询"),
    "0802": ("独居老人代办医保", "残疾人代购药品"),
    "0803": ("独居老人走访关爱", "留守儿童关爱"),
    "0804": ("出租屋人员未登记", "群租房安全隐患"),
}
