"""Chinese for bringing directories in: spreadsheet import, taxonomy crosswalk, inferred categories,
and the matching messages about imported data (issue 10)."""
ZH = {
    # matching on imported data
    "Valid needs: %(codes)s.": "可用的需求代码：%(codes)s。",
    "inferred from its description, not confirmed: %(needs)s": "根据服务介绍推断，尚未确认：%(needs)s",
    "eligibility stated only in words: check": "服务对象仅有文字说明：请核实",
    # service page
    "Inferred from the listing’s words (%(why)s); not yet confirmed by the agency.":
        "根据该条目的文字推断（%(why)s），机构尚未确认。",
    "inferred": "推断",
    "Kinds of help marked “inferred” were guessed from the imported listing’s words; the agency or an administrator can confirm them.":
        "标为“推断”的服务类别是根据导入条目的文字推测的，可由机构或管理员确认。",
    # admin: spreadsheet import
    "Import a spreadsheet": "导入电子表格",
    "Spreadsheet (.xlsx or .csv)": "电子表格（.xlsx 或 .csv）",
    "Choose a file.": "请选择文件。",
    "Only .xlsx and .csv files can be imported.": "只能导入 .xlsx 和 .csv 文件。",
    "The file is larger than 10 MB.": "文件超过 10 MB。",
    "(not imported)": "（不导入）",
    "Unknown field.": "未知字段。",
    "Another column is already mapped to this field.": "已有其他列对应到此字段。",
    "Map a column to %(field)s.": "请为“%(field)s”指定一列。",
    "Imported. Services are searchable and can be matched.": "已导入。服务现在可以搜索和匹配。",
    "An .xlsx or .csv sheet with one service per row. Columns are matched to fields from their headers (机构名称, 服务名称, 地址, 联系电话, 服务对象, 开放时间, 收费 …); you can change the matching on the next page, see every problem per cell and try a dry run before importing.":
        "每行一项服务的 .xlsx 或 .csv 表格。系统会根据表头（机构名称、服务名称、地址、联系电话、服务对象、开放时间、收费……）自动对应字段；"
        "下一页可以修改对应关系、逐个单元格查看问题，并在导入前试运行。",
    "Download the template (.xlsx) with every column and an example row": "下载模板（.xlsx，含全部列和一行示例）",
    "Upload and map the columns": "上传并对应各列",
    "Map the columns of %(name)s": "对应 %(name)s 的各列",
    "%(n)d rows. Choose the field each column holds; columns left as \"not imported\" are ignored.":
        "共 %(n)d 行。请为每一列选择对应字段；设为“不导入”的列将被忽略。",
    "Column in the sheet": "表格中的列",
    "Field": "字段",
    "Preview": "预览",
    "Dry run": "试运行",
    "Import": "导入",
    "Import report": "导入报告",
    "Dry run: nothing was changed": "试运行：未做任何更改",
    "Preview: nothing was changed": "预览：未做任何更改",
    "The sheet": "表格内容",
    "first %(n)d rows": "前 %(n)d 行",
    "Row": "行",
    # admin: crosswalk
    "Crosswalk": "分类对照表",
    "Mapped and inferred links": "对照与推断的分类",
    "Our term": "本平台分类",
    "Source vocabulary ('*' = any)": "来源分类体系（“*”表示任意）",
    "Give the source term's code or its name.": "请填写来源分类的代码或名称。",
    "Why": "依据",
    "Confirm": "确认",
    "Confirm the selected links?": "确认所选分类？",
    "Confirmed: %(n)d.": "已确认：%(n)d 项。",
    "Not this": "不是此类",
    "Confirmed: this kind of help is now stated for the service.": "已确认：该服务类别现为机构确认的信息。",
    "Removed: this kind of help is no longer listed for the service.": "已移除：该服务不再列出此类别。",
    # admin: rejected categories
    "Rejected categories": "被否决的推断类别",
    "Rejected category": "被否决的类别",
    "Why it had been inferred": "当初推断的依据",
    "Rejected at": "否决时间",
    "Delete the selected rejections? The crosswalk may propose these categories again.":
        "删除所选的否决记录？分类对照可能会再次推断出这些类别。",
    "Delete": "删除",
    "Deleted: %(n)d.": "已删除：%(n)d 项。",
}
